package org.nnpan.golden;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.SequencedMap;
import org.nnpan.io.TensorFiles;
import org.nnpan.io.safetensors.SafeTensorsFile;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** A PyTorch fixture file (see tests/reference/README.md) loaded into tensors, plus tolerance checks. */
final class Fixture {
    final SequencedMap<String, Tensor> tensors;
    final java.util.Map<String, String> metadata;

    private Fixture(SequencedMap<String, Tensor> tensors, java.util.Map<String, String> metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    static Fixture load(String name) {
        try {
            Path p = Path.of(Fixture.class.getResource("/fixtures/" + name).toURI());
            java.util.Map<String, String> meta;
            try (SafeTensorsFile f = SafeTensorsFile.read(p)) {
                meta = f.metadata();
            }
            return new Fixture(TensorFiles.load(p), meta);
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read fixture " + name + ": " + e.getMessage(), e);
        }
    }

    /** The entry {@code key}, converted to {@code dtype} when floating. */
    Tensor get(String key, DType dtype) {
        Tensor t = tensors.get(key);
        if (t == null) {
            fail("fixture has no entry '" + key + "'");
        }
        return t.dtype() == DType.I64 ? t : t.to(dtype);
    }

    boolean has(String key) {
        return tensors.containsKey(key);
    }

    /**
     * Per-tensor check |a − r| ≤ rtol·|r| + atol·max|r| on every element; the message lists the worst elements.
     */
    static void assertClose(String what, Tensor reference, Tensor actual, double rtol, double atol) {
        if (!java.util.Arrays.equals(reference.shape(), actual.shape())) {
            fail(what + ": shape " + java.util.Arrays.toString(actual.shape()) + ", expected "
                    + java.util.Arrays.toString(reference.shape()));
        }
        double[] r = reference.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double scale = 0;
        for (double v : r) {
            scale = Math.max(scale, Math.abs(v));
        }
        int bad = 0;
        double worst = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
            double err = Math.abs(a[i] - r[i]);
            worst = Math.max(worst, scale == 0 ? err : err / scale);
            if (err > rtol * Math.abs(r[i]) + atol * scale || Double.isNaN(a[i])) {
                if (bad++ < 5) {
                    sb.append(String.format("%n  [%d] expected %.10g, got %.10g", i, r[i], a[i]));
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + r.length + " elements out of tolerance (max error / max|ref| = "
                    + worst + ")" + sb);
        }
    }
}
