package org.nnpan.ops;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.GradCheck;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Float64 finite-difference checks of first and second derivatives of every differentiable op, on both backends: in
 * the global scope, where nothing is released early, and in a memory scope, where each backward pass releases what
 * no recorded rule saved (an op that reads a tensor it did not declare fails there with "released early").
 */
class OpsGradCheckTest {

    static Stream<Arguments> casesOnBackends() {
        return Stream.of(Backends.reference(), Backends.cpu())
                .flatMap(b -> OpCases.cases().stream().map(c -> Arguments.of(b.name(), c.name(), c, b)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesOnBackends")
    void firstAndSecondDerivativesMatchFiniteDifferences(String backendName, String name, OpCases.Case c, Backend backend) {
        check(name, c, backend);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesOnBackends")
    void derivativesAreUnchangedWhenBackwardPassesReleaseMemory(String backendName, String name, OpCases.Case c,
            Backend backend) {
        try (MemoryScope s = MemoryScope.open("grad-check")) {
            check(name, c, backend);
        }
    }

    private static void check(String name, OpCases.Case c, Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            Tensor[] xs = GradCheck.inputs(name.hashCode(), c.shapes());
            if (c.positive()) {
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = xs[i].detach().abs().add(0.5).detach().requiresGrad(true);
                }
            }
            GradCheck.check(name, c.f(), xs, true);
        }
    }
}
