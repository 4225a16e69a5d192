package org.nnpan.kernels.simd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * What the kernel choosers without options of their own share (element-wise, batch norm, max pooling): whether to
 * take the Vector-API implementation, and loading it. Those classes are loaded reflectively and only when chosen, so
 * nothing links against {@code jdk.incubator.vector} unless the module is present.
 */
public final class VectorKernels {

    private VectorKernels() {
    }

    /**
     * Whether the Vector-API implementation is chosen: the module {@code jdk.incubator.vector} is in the boot layer and
     * the system property {@code nnpan.simd} is not {@code off}.
     */
    public static boolean chosen() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"off".equals(System.getProperty("nnpan.simd", "").trim());
    }

    /**
     * A new instance of the class {@code simpleName} in the package of {@code lookup} (the caller's, so package-private
     * classes qualify), a {@code type}, through its no-argument constructor; the module must be present.
     *
     * @param what the kernel, for the message if it cannot be created
     * @throws IllegalStateException if it cannot be created
     */
    public static <T> T create(MethodHandles.Lookup lookup, Class<T> type, String simpleName, String what) {
        try {
            Class<?> c = lookup.findClass(lookup.lookupClass().getPackageName() + "." + simpleName);
            return type.cast(lookup.findConstructor(c, MethodType.methodType(void.class)).invoke());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // A missing class or constructor (ReflectiveOperationException); nothing else is checked here.
            throw new IllegalStateException("cannot create the vector " + what, e);
        }
    }
}
