package org.nnpan.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.AdaptiveAvgPool2d;
import org.nnpan.nn.BatchNorm2d;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Flatten;
import org.nnpan.nn.Linear;
import org.nnpan.nn.MaxPool2d;
import org.nnpan.nn.Module;
import org.nnpan.nn.ReLU;
import org.nnpan.nn.Sequential;
import org.nnpan.ops.Shapes;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.GraspSaliency;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Saliency;
import org.nnpan.pruning.ScoreRule;
import org.nnpan.pruning.Scores;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.MaskSelection;
import org.nnpan.pruning.SnipSaliency;
import org.nnpan.pruning.SynFlowSaliency;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The pruning saliencies on real modules against PyTorch's scores (tests/reference/README.md): SNIP, GraSP with
 * ‖g‖² over the prunable weights (the GraSP reference variant, {@code score.grasp_w}) and over all parameters
 * ({@code score.grasp}, conv net only), and SynFlow, on the small BatchNorm conv net and LeNet-5; then the global
 * masks selected from them against the masks selected from the reference scores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PruningGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 1e-4;

    private MemoryScope scope;

    @BeforeAll
    void openScope() {
        scope = MemoryScope.open("pruning-golden");
    }

    @AfterAll
    void closeScope() {
        scope.close();
    }

    /** The fixture's conv net with its state-dict names: conv1, bn1, conv2, bn2, fc. */
    private static final class ConvNet extends Module {
        private final Module features;
        private final Linear fc;

        ConvNet() {
            Conv2d conv1 = addModule("conv1", new Conv2d(3, 4, 3, 1, 1, false));
            BatchNorm2d bn1 = addModule("bn1", new BatchNorm2d(4));
            Conv2d conv2 = addModule("conv2", new Conv2d(4, 8, 3, 1, 1, false));
            BatchNorm2d bn2 = addModule("bn2", new BatchNorm2d(8));
            fc = addModule("fc", new Linear(8, 5));
            features = new Sequential(conv1, bn1, new ReLU(), new MaxPool2d(2), conv2, bn2, new ReLU(),
                    new AdaptiveAvgPool2d(1), new Flatten());
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc.forward(features.forward(x));
        }

        @Override
        protected Module freshInstance() {
            return new ConvNet();
        }
    }

    /** A network with the fixture's θ₀ and BN buffers, and the fixture's batch. */
    private record Case(String file, Fixture fixture, Module model, ScoringBatch batch, Map<String, int[]> slices) {
    }

    private static Case load(String file) throws Exception {
        Fixture f = Fixture.load(file);
        Module model = file.startsWith("convnet") ? new ConvNet()
                : ModelZoo.createUninitialized("lenet5", ModelSpec.of(10, 1, 28));
        Map<String, Tensor> state = new LinkedHashMap<>();
        f.tensors.forEach((k, v) -> {
            if (k.startsWith("param.") || k.startsWith("buffer.")) {
                state.put(k.substring(k.indexOf('.') + 1), v);
            }
        });
        Module.LoadResult r = model.loadStateDict(state, false);
        assertEquals(List.of(), r.unexpectedKeys());
        r.missingKeys().forEach(k -> assertTrue(k.endsWith("num_batches_tracked"), k));
        Map<String, int[]> slices = new LinkedHashMap<>();
        JSON.readTree(f.metadata.get("sliced_references")).properties().forEach(e -> slices.put(e.getKey(), new int[] {
            e.getValue().get("dim").asInt(), e.getValue().get("start").asInt(), e.getValue().get("end").asInt()}));
        ScoringBatch batch = new ScoringBatch(f.get("input", DType.F32), f.get("labels", DType.I64));
        return new Case(file, f, model, batch, slices);
    }

    static Stream<Arguments> indices() {
        List<Arguments> out = new ArrayList<>();
        for (String file : List.of("convnet.safetensors", "lenet5.safetensors")) {
            out.add(Arguments.of(file, "snip", SnipSaliency.dense(), ScoreRule.ABSOLUTE));
            out.add(Arguments.of(file, "grasp_w", GraspSaliency.reference(), ScoreRule.NEGATED));
            out.add(Arguments.of(file, "synflow", new SynFlowSaliency(), ScoreRule.ABSOLUTE));
        }
        // The all-parameter variant differs from grasp_w only through the bias and BatchNorm terms: the conv net,
        // which has BatchNorm, covers it in a fraction of LeNet-5's time.
        out.add(Arguments.of("convnet.safetensors", "grasp", new GraspSaliency(200,
                GraspSaliency.GradientNorm.ALL_PARAMETERS), ScoreRule.NEGATED));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("indices")
    void scoresAndGlobalMasksMatchPyTorch(String file, String index, Saliency saliency, ScoreRule rule)
            throws Exception {
        Case c = load(file);
        Scores scores = saliency.score(c.model(), Mask.dense(c.model()), c.batch());
        Map<String, Tensor> reference = new LinkedHashMap<>();
        for (String name : scores.layout().names()) {
            Tensor ref = c.fixture().get("score." + index + "." + name, DType.F64);
            Tensor actual = scores.get(name);
            int[] slice = c.slices().get(name);
            Fixture.assertClose(file + " " + index + " " + name, ref,
                    slice == null ? actual : Shapes.slice(actual, slice[0], slice[1], slice[2]), TOLERANCE, TOLERANCE);
            reference.put(name, ref);
        }
        // Where the fixture holds a slice only (LeNet-5's fc3 rows 0..47), the rest of the pool is our own scores,
        // so any difference between the two masks comes from the entries PyTorch computed.
        Map<String, Tensor> pool = new LinkedHashMap<>();
        reference.forEach((name, ref) -> {
            int[] slice = c.slices().get(name);
            Tensor ours = scores.get(name);
            pool.put(name, slice == null ? ref : Shapes.cat(slice[0], ref.to(DType.F32),
                    Shapes.slice(ours, slice[0], slice[2], ours.size(slice[0]))));
        });
        Scores ranked = rule.apply(scores);
        Scores referenceRanked = rule.apply(Scores.of(scores.layout(), pool));
        for (double sparsity : new double[] {0.5, 0.9, 0.98}) {
            Density d = Density.ofSparsity(sparsity);
            Mask mask = MaskSelection.select(ranked, d, MaskSelection.Scope.GLOBAL);
            Mask expected = MaskSelection.select(referenceRanked, d, MaskSelection.Scope.GLOBAL);
            assertArrayEquals(expected.flat().toFloatArray(), mask.flat().toFloatArray(),
                    file + " " + index + " global mask at sparsity " + sparsity);
            assertEquals(d.keptCount(scores.layout().numel()), mask.kept());
        }
    }
}
