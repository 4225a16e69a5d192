package org.nnpan.golden;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.io.TensorFiles;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * The committed {@code nnpan-export} fixture, which {@code tests/reference/check_torch_loads_nnpan.py} showed PyTorch
 * loads with {@code strict=True} and evaluates to the same logits, still loads into today's zoo models and gives
 * those logits. A change of state-dict names or shapes that would break PyTorch loading
 * fails here, without PyTorch.
 */
class NnpanExportGoldenTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<NnpanExport.Case> cases() {
        return NnpanExport.CASES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void savedWeightsStillGiveSavedLogits(NnpanExport.Case c) throws Exception {
        Path dir = c.dir(Path.of(NnpanExportGoldenTest.class.getResource("/fixtures/nnpan-export").toURI()));
        Map<String, Tensor> io = TensorFiles.load(dir.resolve(NnpanExport.IO_FILE));
        Module model = ModelZoo.createUninitialized(c.model(), c.spec());
        model.loadStateDict(TensorFiles.load(dir.resolve(NnpanExport.MODEL_FILE)), true);

        Tensor logits = NnpanExport.evalLogits(model, io.get("input"));

        Fixture.assertClose(c.model() + " logits", io.get("logits").to(DType.F64), logits.to(DType.F64), TOLERANCE,
                TOLERANCE);
    }
}
