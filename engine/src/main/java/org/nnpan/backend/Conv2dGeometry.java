package org.nnpan.backend;

import org.nnpan.tensor.Shape;

/**
 * Shapes of a 2-d convolution or pooling window over NCHW input: kernel, stride and zero padding per axis.
 *
 * @param kh kernel height
 * @param kw kernel width
 * @param sh stride along height
 * @param sw stride along width
 * @param ph zero padding on top and bottom
 * @param pw zero padding left and right
 */
public record Conv2dGeometry(int kh, int kw, int sh, int sw, int ph, int pw) {

    public Conv2dGeometry {
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("invalid window: kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw
                    + ", padding " + ph + "x" + pw);
        }
    }

    /** Square kernel, stride and padding. */
    public static Conv2dGeometry of(int k, int stride, int padding) {
        return new Conv2dGeometry(k, k, stride, stride, padding, padding);
    }

    /** Output height for input height {@code h}. */
    public int outH(int h) {
        return (h + 2 * ph - kh) / sh + 1;
    }

    /** Output width for input width {@code w}. */
    public int outW(int w) {
        return (w + 2 * pw - kw) / sw + 1;
    }

    /** Checks that an NCHW input yields a non-empty output; {@code op} names the caller in the message. */
    public void check(String op, int[] inputShape) {
        if (inputShape.length != 4) {
            throw new IllegalArgumentException(op + ": expected NCHW input of rank 4, got shape " + Shape.str(inputShape));
        }
        if (outH(inputShape[2]) < 1 || outW(inputShape[3]) < 1) {
            throw new IllegalArgumentException(op + ": window " + kh + "x" + kw + " (padding " + ph + "x" + pw
                    + ") does not fit input " + Shape.str(inputShape));
        }
    }
}
