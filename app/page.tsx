import Editor from '@/components/Editor';

/** The editor fills the window; the page only composes it. */
export default function Home() {
  return <Editor />;
}
