package org.nnpan.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.backend.Backends;
import org.nnpan.io.safetensors.SafeDType;
import org.nnpan.io.safetensors.SafeTensor;
import org.nnpan.io.safetensors.SafeTensorsFile;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** Saves and loads named tensors as safetensors files (the format of weights, masks, scores and fixtures). */
public final class TensorFiles {
    private TensorFiles() {
    }

    /** The file dtype of a tensor dtype. */
    public static SafeDType fileType(DType dtype) {
        return switch (dtype) {
            case F32 -> SafeDType.F32;
            case F64 -> SafeDType.F64;
            case I64 -> SafeDType.I64;
        };
    }

    /** A safetensors entry viewing {@code t}'s memory (copied first only if {@code t} is not contiguous). */
    public static SafeTensor toSafeTensor(String name, Tensor t) {
        Tensor c = t.backend().dense(t);
        long bytes = c.numel() * c.dtype().byteSize();
        MemorySegment data = c.storage().segment().asSlice(c.offset() * c.dtype().byteSize(), bytes);
        int[] s = c.shape();
        long[] shape = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = s[i];
        }
        return new SafeTensor(name, fileType(c.dtype()), shape, data);
    }

    /**
     * Copies a file entry into a new tensor in the current scope: F32, F64 and I64 keep their type, F16/BF16 become
     * F32 and other integer types become I64.
     */
    public static Tensor toTensor(SafeTensor st) {
        long[] ls = st.shape();
        int[] shape = new int[ls.length];
        for (int i = 0; i < ls.length; i++) {
            shape[i] = Math.toIntExact(ls[i]);
        }
        DType dtype = switch (st.dtype()) {
            case F64 -> DType.F64;
            case F32, F16, BF16 -> DType.F32;
            default -> DType.I64;
        };
        Tensor t = Tensor.empty(MemoryScope.current(), Backends.current(), dtype, shape);
        if (st.dtype() == fileType(dtype)) {
            MemorySegment.copy(st.data(), 0, t.storage().segment(), 0, st.data().byteSize());
        } else if (dtype == DType.F32) {
            float[] v = st.toFloatArray();
            MemorySegment.copy(v, 0, t.storage().segment(), DType.F32.layout(), 0, v.length);
        } else {
            long[] v = st.toLongArray();
            MemorySegment.copy(v, 0, t.storage().segment(), DType.I64.layout(), 0, v.length);
        }
        return t;
    }

    /** Writes {@code tensors} in their order, atomically, with optional string metadata. */
    public static void save(Path path, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<SafeTensor> entries = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> entries.add(toSafeTensor(name, t)));
        SafeTensorsFile.write(path, entries, metadata == null ? Map.of() : metadata);
    }

    /** Reads every tensor of a file into the current scope, in file order. */
    public static SequencedMap<String, Tensor> load(Path path) throws IOException {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.read(path)) {
            for (SafeTensor st : f.tensors()) {
                out.put(st.name(), toTensor(st));
            }
        }
        return out;
    }
}
