/**
 * Custom tfjs layers behind the late.* (model-level fusion) kinds; formulas and sources in
 * shared/FUSION.md. Each takes the branch predictions [p₁, …, p_K] (each [B, C]) as a list and
 * returns one prediction [B, C]. Registered under fixed `FusionLab>…` class names.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { defineCustomLayer, type Activation } from '../shared';
import { denseApply, lastDim, shapeList, tensorList, weightSeed, type LayerArgs, type Shape } from '../fusion/layers';

type TF = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type LayerVariable = tfTypes.LayerVariable;

function outputShape(inputShape: Shape | Shape[]): Shape {
  const s = shapeList(inputShape)[0];
  return [s[0], lastDim(s)];
}

// ---------------------------------------------------------------------------------------------

export type LateAverageMode = 'fixed' | 'learned';

export interface LateAverageArgs extends LayerArgs {
  mode: LateAverageMode;
  /**
   * Fixed mode: one weight per branch, in input order, already normalised to sum to 1.
   * Ignored in learned mode.
   */
  fixedWeights?: number[];
}

/**
 * `FusionLab>LateAverage`: p = Σₖ wₖ pₖ. Fixed mode: w from the config (no weights to train).
 * Learned mode: w = softmax(θ) with θ [K] starting at 0 (the plain average), so w stays a
 * probability vector and p stays a probability distribution. θ needs no seed: starting from the
 * plain average is the sensible, reproducible start.
 */
export const lateAverageLayer = defineCustomLayer<LateAverageArgs>('FusionLab>LateAverage', (tf) => {
  class LateAverage extends tf.layers.Layer {
    static className = 'FusionLab>LateAverage';
    readonly mode: LateAverageMode;
    readonly fixedWeights: number[];
    private theta: LayerVariable | null = null;

    constructor(args: LateAverageArgs) {
      super(args);
      this.mode = args.mode;
      this.fixedWeights = args.fixedWeights ?? [];
    }

    override build(inputShape: Shape | Shape[]): void {
      const k = shapeList(inputShape).length;
      if (this.mode === 'learned') {
        this.theta = this.addWeight('theta', [k], 'float32', tf.initializers.zeros());
      } else if (this.fixedWeights.length !== k) {
        throw new Error(`LateAverage: ${this.fixedWeights.length} fixed weights for ${k} inputs`);
      }
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return outputShape(inputShape);
    }

    /** The branch weights w (sums to 1), as a new tensor [K]. */
    branchWeights(): Tensor {
      return tf.tidy(() => (this.mode === 'learned' ? tf.softmax(this.theta!.read()) : tf.tensor1d(this.fixedWeights)));
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const p = tf.stack(tensorList(inputs), 1); // [B, K, C]
        const w = tf.reshape(this.branchWeights(), [1, -1, 1]);
        return tf.sum(tf.mul(w, p), 1);
      });
    }

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), mode: this.mode, fixedWeights: this.fixedWeights };
    }
  }
  return LateAverage;
});

// ---------------------------------------------------------------------------------------------

/**
 * `FusionLab>LateVote`: each branch votes for its argmax class; the class with the most votes
 * wins, and a tie between classes is broken by the highest summed probability Σₖ pₖ.
 * Output: the one-hot vector of the winning class (so accuracy and argmax read it directly).
 * A vote is piecewise constant, so its gradient is zero; it is declared as such (a custom
 * gradient) instead of leaving tfjs to fail on ops that have no gradient. No weights.
 */
export const lateVoteLayer = defineCustomLayer<LayerArgs>('FusionLab>LateVote', (tf) => {
  function vote(ps: Tensor[]): Tensor {
    const c = dimsLast(ps[0]);
    const votes = tf.addN(ps.map((p) => tf.oneHot(tf.argMax(p, -1), c).toFloat())); // [B, C]
    const summed = tf.addN(ps); // [B, C]
    const top = tf.equal(votes, tf.max(votes, -1, true)); // classes with the most votes
    const tieBroken = tf.where(top, summed, tf.fill(summed.shape, -Infinity));
    return tf.oneHot(tf.argMax(tieBroken, -1), c).toFloat();
  }

  class LateVote extends tf.layers.Layer {
    static className = 'FusionLab>LateVote';

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return outputShape(inputShape);
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const ps = tensorList(inputs);
        const withZeroGrad = tf.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
          const xs = args.slice(0, ps.length) as Tensor[];
          return { value: vote(xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
        });
        return withZeroGrad(...ps);
      });
    }
  }
  return LateVote;
});

function dimsLast(x: Tensor): number {
  const s = x.shape as number[];
  return s[s.length - 1];
}

// ---------------------------------------------------------------------------------------------

export interface LateStackArgs extends LayerArgs {
  /** Hidden units of the meta-model (0 = none: a softmax regression on the predictions). */
  hidden: number;
  activation: Activation;
  seed?: number;
}

/** An activation by name, with tfjs ops (the same functions as the tfjs activation layers). */
export function activate(tf: TF, name: Activation, x: Tensor): Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'linear':
      return x;
    default: {
      const never: never = name;
      throw new Error(`unknown activation ${String(never)}`);
    }
  }
}

/**
 * `FusionLab>LateStack`: stacking, a small dense meta-model over [p₁; …; p_K]:
 * y = softmax(W₂ act(W₁[p₁;…;p_K] + b₁) + b₂), or y = softmax(W₂[p₁;…;p_K] + b₂) without a
 * hidden layer. Weights: W1, b1 (with a hidden layer), W2, b2.
 */
export const lateStackLayer = defineCustomLayer<LateStackArgs>('FusionLab>LateStack', (tf) => {
  class LateStack extends tf.layers.Layer {
    static className = 'FusionLab>LateStack';
    readonly hidden: number;
    readonly activation: Activation;
    readonly seed: number;
    private w1: LayerVariable | null = null;
    private b1: LayerVariable | null = null;
    private w2: LayerVariable | null = null;
    private b2: LayerVariable | null = null;

    constructor(args: LateStackArgs) {
      super(args);
      this.hidden = args.hidden;
      this.activation = args.activation;
      this.seed = args.seed ?? 0;
    }

    override build(inputShape: Shape | Shape[]): void {
      const shapes = shapeList(inputShape);
      const classes = lastDim(shapes[0]);
      const width = shapes.reduce((a, s) => a + lastDim(s), 0);
      const init = (i: number) => tf.initializers.glorotUniform({ seed: weightSeed(this.seed, i) });
      if (this.hidden > 0) {
        this.w1 = this.addWeight('W1', [width, this.hidden], 'float32', init(0));
        this.b1 = this.addWeight('b1', [this.hidden], 'float32', tf.initializers.zeros());
      }
      this.w2 = this.addWeight('W2', [this.hidden > 0 ? this.hidden : width, classes], 'float32', init(1));
      this.b2 = this.addWeight('b2', [classes], 'float32', tf.initializers.zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return outputShape(inputShape);
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        let x = tf.concat(tensorList(inputs), -1);
        if (this.w1 && this.b1) x = activate(tf, this.activation, tf.add(denseApply(tf, x, this.w1.read()), this.b1.read()));
        return tf.softmax(tf.add(denseApply(tf, x, this.w2!.read()), this.b2!.read()), -1);
      });
    }

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), hidden: this.hidden, activation: this.activation, seed: this.seed };
    }
  }
  return LateStack;
});
