package org.nnpan.autograd;

import org.nnpan.tensor.Tensor;

/**
 * The record an op leaves on its output: which tensors it consumed and how to turn the gradient of its output into
 * gradients of those inputs. The backward function is written with differentiable ops, so running it while
 * recording (create-graph mode) yields a graph of the gradient itself: that is how second derivatives work.
 *
 * @param name     the op's name, for error messages and debugging
 * @param inputs   the op's tensor inputs, in order
 * @param saved    the tensors whose values {@code backward} reads (null entries allowed)
 * @param backward maps the output gradient to one gradient per input (null where an input needs none)
 */
public record Node(String name, Tensor[] inputs, Tensor[] saved, Backward backward) {

    /** Gradient rule of one op. */
    @FunctionalInterface
    public interface Backward {
        /**
         * @param gradOutput gradient of the objective w.r.t. the op's output (same shape as the output)
         * @return gradients w.r.t. each input, same shapes as the inputs; null entries for inputs without gradient
         */
        Tensor[] apply(Tensor gradOutput);
    }
}
