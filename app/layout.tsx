import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import '@xyflow/react/dist/style.css';
import './globals.css';

export const metadata: Metadata = {
  title: 'FusionLab — build multimodal neural networks',
  description: 'Wire input, encoder, fusion and head nodes into a multimodal model that trains in your browser.',
};

export const viewport: Viewport = { themeColor: '#0f1218' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
