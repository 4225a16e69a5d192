package org.nnpan.train;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.Tensor;

/** What training needs to know about the pruning masks set on a model's parameters. */
public final class Masks {
    private Masks() {
    }

    /**
     * Sets every masked parameter's pruned values to +0 in place, so that the raw weights equal what the layers
     * compute with (W = W⊙M) and optimizers, which leave pruned positions alone, keep them at zero. Dense parameters
     * are untouched.
     */
    public static void applyToWeights(Module model) {
        for (Parameter p : model.parameters()) {
            p.zeroPruned();
        }
    }

    /**
     * A CRC-32 of the masked parameters' names and masks, 0 for a dense model: recorded in checkpoints so that a
     * resumed run can tell whether it was given the same masks.
     */
    public static long fingerprint(Module model) {
        CRC32 crc = new CRC32();
        model.namedParameters().forEach((name, p) -> {
            if (p.isMasked()) {
                crc.update(name.getBytes(StandardCharsets.UTF_8));
                Tensor m = p.mask();
                crc.update(m.storage().segment().asSlice(m.offset() * m.dtype().byteSize(),
                        m.numel() * m.dtype().byteSize()).asByteBuffer());
            }
        });
        return model.parameters().stream().anyMatch(Parameter::isMasked) ? crc.getValue() : 0;
    }
}
