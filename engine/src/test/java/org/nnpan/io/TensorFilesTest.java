package org.nnpan.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

class TensorFilesTest {

    @Test
    void roundTripKeepsNamesOrderTypesAndValuesIncludingStridedViews(@TempDir Path dir) throws Exception {
        SplittableRandom rng = new SplittableRandom(7);
        Tensor w = Tensor.randn(rng, 1, DType.F32, 4, 3, 2);
        SequencedMap<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.weight", w);
        in.put("a.transposed", w.transpose(0, 2)); // non-contiguous: written as its logical values
        in.put("scalar", Tensor.scalar(2.5, DType.F64));
        in.put("labels", Tensor.of(new long[] {3, -1, Long.MAX_VALUE}, 3));
        Path file = dir.resolve("t.safetensors");
        TensorFiles.save(file, in, Map.of("note", "test"));

        SequencedMap<String, Tensor> out = TensorFiles.load(file);
        assertEquals(List.of("z.weight", "a.transposed", "scalar", "labels"), List.copyOf(out.keySet()));
        for (String k : in.keySet()) {
            assertEquals(in.get(k).dtype(), out.get(k).dtype(), k);
            assertArrayEquals(in.get(k).shape(), out.get(k).shape(), k);
            assertArrayEquals(in.get(k).toDoubleArray(), out.get(k).toDoubleArray(), k);
        }
        assertArrayEquals(new long[] {3, -1, Long.MAX_VALUE}, out.get("labels").toLongArray());
    }
}
