package org.nnpan.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.ops.Conv;
import org.nnpan.ops.Linalg;
import org.nnpan.ops.Losses;
import org.nnpan.ops.Normalization;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Whole networks against PyTorch: a small conv net with BatchNorm and LeNet-5 on Fashion-MNIST images. Checks the
 * logits, the losses at temperatures 1 and 200, every parameter gradient, the Hessian-gradient product
 * Hg = ∂(½‖g‖²)/∂θ that GraSP needs (double backward through the whole network), the BN running statistics, and
 * the SNIP, GraSP and SynFlow scores. The networks are written with raw ops here so the check covers the core only.
 */
class NetworkGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A network as a function of (named parameters and buffers, input); train selects BatchNorm mode. */
    private interface Net {
        Tensor forward(Map<String, Tensor> p, Tensor x, boolean train);
    }

    private static Tensor bn(Map<String, Tensor> p, String name, Tensor x, boolean train) {
        return Normalization.batchNorm(x, p.get(name + ".weight"), p.get(name + ".bias"),
                p.get(name + ".running_mean"), p.get(name + ".running_var"), train, 0.1, 1e-5);
    }

    private static final Net CONVNET = (p, x, train) -> {
        Tensor h = bn(p, "bn1", Conv.conv2d(x, p.get("conv1.weight"), null, 1, 1), train).relu();
        h = Pooling.maxPool2d(h, 2, 2, 0);
        h = bn(p, "bn2", Conv.conv2d(h, p.get("conv2.weight"), null, 1, 1), train).relu();
        h = Shapes.flatten(Pooling.adaptiveAvgPool2d(h, 1, 1), 1);
        return Linalg.linear(h, p.get("fc.weight"), p.get("fc.bias"));
    };

    private static final Net LENET5 = (p, x, train) -> {
        Tensor h = Pooling.maxPool2d(Conv.conv2d(x, p.get("conv1.weight"), p.get("conv1.bias"), 1, 0).relu(), 2, 2, 0);
        h = Pooling.maxPool2d(Conv.conv2d(h, p.get("conv2.weight"), p.get("conv2.bias"), 1, 0).relu(), 2, 2, 0);
        h = Linalg.linear(Shapes.flatten(h, 1), p.get("fc3.weight"), p.get("fc3.bias")).relu();
        return Linalg.linear(h, p.get("fc4.weight"), p.get("fc4.bias"));
    };

    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of("convnet f32 cpu", "convnet.safetensors", CONVNET, DType.F32, Backends.cpu()),
                Arguments.of("convnet f64 reference", "convnet.safetensors", CONVNET, DType.F64, Backends.reference()),
                Arguments.of("lenet5 f32 cpu", "lenet5.safetensors", LENET5, DType.F32, Backends.cpu()),
                Arguments.of("lenet5 f64 cpu", "lenet5.safetensors", LENET5, DType.F64, Backends.cpu()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void matchesPyTorch(String name, String file, Net net, DType dtype, Backend backend) throws Exception {
        Fixture f = Fixture.load(file);
        boolean f32 = dtype == DType.F32;
        double tol = f32 ? 1e-4 : 1e-9;
        try (Backends.Use u = Backends.use(backend)) {
            List<String> params = names(f.metadata.get("parameters"));
            List<String> buffers = names(f.metadata.get("buffers"));
            List<String> prunable = new ArrayList<>();
            JSON.readTree(f.metadata.get("prunable")).forEach(n -> prunable.add(n.asText()));
            Map<String, int[]> sliced = slices(f.metadata.get("sliced_references"));

            Map<String, Tensor> p = new LinkedHashMap<>();
            for (String n : params) {
                p.put(n, f.get("param." + n, dtype).copy().requiresGrad(true));
            }
            for (String n : buffers) {
                p.put(n, f.get("buffer." + n, dtype).copy());
            }
            Tensor x = f.get("input", dtype);
            Tensor y = f.get("labels", dtype);
            Tensor logits = net.forward(p, x, true);
            Fixture.assertClose(name + " logits", f.get("logits", dtype), logits, tol, tol);
            for (String n : buffers) {
                Fixture.assertClose(name + " running stat " + n, f.get("buffer_after." + n, dtype), p.get(n), tol, tol);
            }
            Tensor[] theta = params.stream().map(p::get).toArray(Tensor[]::new);
            Map<String, Tensor> scoresSnip = new LinkedHashMap<>();
            Map<String, Tensor> scoresGrasp = new LinkedHashMap<>();
            for (int temperature : new int[] {1, 200}) {
                Tensor loss = Losses.crossEntropy(logits.div(temperature), y, Losses.Reduction.MEAN);
                Fixture.assertClose(name + " loss T" + temperature, f.get("loss.T" + temperature, dtype), loss, tol, tol);
                Tensor[] g = Autograd.grad(new Tensor[] {loss}, theta, null, true);
                Tensor half = null;
                for (int i = 0; i < theta.length; i++) {
                    String pn = params.get(i);
                    // A T = 200 bias gradient is a cancellation Σ(p − y)/(200·N): float32 keeps ~1e-3 of it.
                    double gt = f32 && temperature == 200 && pn.endsWith("bias") ? 1e-3 : tol;
                    check(f, name + " grad T" + temperature + " " + pn, "grad.T" + temperature + "." + pn, g[i], sliced.get(pn), dtype, gt);
                    Tensor sq = g[i].mul(g[i]).sum();
                    half = half == null ? sq : half.add(sq);
                }
                Tensor[] hg = Autograd.grad(new Tensor[] {half.mul(0.5)}, theta, null, false);
                for (int i = 0; i < theta.length; i++) {
                    String pn = params.get(i);
                    check(f, name + " Hg T" + temperature + " " + pn, "hg.T" + temperature + "." + pn, hg[i], sliced.get(pn), dtype, f32 ? 1e-4 : 1e-8);
                    if (temperature == 200 && prunable.contains(pn)) {
                        scoresSnip.put(pn, theta[i].detach().mul(g[i].detach()));
                        scoresGrasp.put(pn, theta[i].detach().mul(hg[i]));
                    }
                }
            }
            for (String pn : prunable) {
                check(f, name + " SNIP score " + pn, "score.snip." + pn, scoresSnip.get(pn), sliced.get(pn), dtype, tol);
                check(f, name + " GraSP score " + pn, "score.grasp." + pn, scoresGrasp.get(pn), sliced.get(pn), dtype, f32 ? 1e-4 : 1e-8);
            }
            checkSynFlow(f, name, net, params, buffers, prunable, sliced, dtype);
        }
    }

    /** SynFlow: all parameters and BN statistics replaced by their absolute values, BN in eval, input of ones. */
    private static void checkSynFlow(Fixture f, String name, Net net, List<String> params, List<String> buffers,
            List<String> prunable, Map<String, int[]> sliced, DType dtype) {
        // float64 as in the reference: the product of |weights| over many layers overflows float32 quickly.
        Map<String, Tensor> abs = new LinkedHashMap<>();
        for (String n : params) {
            abs.put(n, f.get("param." + n, DType.F64).abs().detach().requiresGrad(true));
        }
        for (String n : buffers) {
            abs.put(n, f.get("buffer." + n, DType.F64).abs().detach());
        }
        int[] in = f.get("input", DType.F64).shape();
        Tensor ones = Tensor.ones(DType.F64, 1, in[1], in[2], in[3]);
        Tensor r = net.forward(abs, ones, false).sum();
        Fixture.assertClose(name + " SynFlow R", f.get("synflow.R", DType.F64), r, 1e-9, 1e-9);
        for (String pn : prunable) {
            Tensor dr = Autograd.grad(r, abs.get(pn), false);
            Tensor score = f.get("param." + pn, DType.F64).mul(dr);
            check(f, name + " SynFlow score " + pn, "score.synflow." + pn, score, sliced.get(pn), DType.F64, 1e-9);
        }
    }

    /** Compares, restricted to the leading rows where the fixture stores only a slice of a large tensor. */
    private static void check(Fixture f, String what, String key, Tensor actual, int[] slice, DType dtype, double tol) {
        Tensor a = slice == null ? actual : Shapes.slice(actual, slice[0], slice[1], slice[2]);
        Fixture.assertClose(what, f.get(key, dtype), a, tol, tol);
    }

    private static List<String> names(String json) throws Exception {
        List<String> out = new ArrayList<>();
        if (json != null) {
            for (JsonNode n : JSON.readTree(json)) {
                out.add(n.get(0).asText());
            }
        }
        return out;
    }

    private static Map<String, int[]> slices(String json) throws Exception {
        Map<String, int[]> out = new LinkedHashMap<>();
        if (json != null) {
            JSON.readTree(json).properties().forEach(e -> out.put(e.getKey(), new int[] {
                e.getValue().get("dim").asInt(), e.getValue().get("start").asInt(), e.getValue().get("end").asInt()}));
        }
        return out;
    }

}
