package org.nnpan.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.ops.Conv;
import org.nnpan.ops.Elementwise;
import org.nnpan.ops.Linalg;
import org.nnpan.ops.Losses;
import org.nnpan.ops.Normalization;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Reductions;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Every op of ops.safetensors against PyTorch (float64 references): output, gradient and Hessian-vector product,
 * run in float32 on the CPU backend (tolerance 1e-5 of the tensor's scale, 1e-4 for second order) and in float64
 * on the reference backend (1e-9).
 */
class OpsGoldenTest {
    private static Fixture fixture;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void load() {
        fixture = Fixture.load("ops.safetensors");
    }

    static Stream<Arguments> cases() throws Exception {
        JsonNode cases = JSON.readTree(Fixture.load("ops.safetensors").metadata.get("cases"));
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : cases) {
            out.add(Arguments.of("f32 cpu", c.get("case").asText(), c, DType.F32, Backends.cpu()));
            out.add(Arguments.of("f64 reference", c.get("case").asText(), c, DType.F64, Backends.reference()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void matchesPyTorch(String mode, String name, JsonNode c, DType dtype, Backend backend) {
        double tol = dtype == DType.F32 ? 1e-5 : 1e-9;
        try (Backends.Use u = Backends.use(backend)) {
            List<Tensor> inputs = new ArrayList<>();
            for (JsonNode in : c.get("inputs")) {
                inputs.add(fixture.get(name + "." + in.asText(), dtype));
            }
            List<Integer> diff = new ArrayList<>();
            c.get("differentiable_inputs").forEach(n -> diff.add(n.asInt()));
            for (int i : diff) {
                inputs.set(i, inputs.get(i).requiresGrad(true));
            }
            Tensor[] xs = inputs.toArray(Tensor[]::new);
            Tensor out = apply(c, name, xs, dtype);
            Tensor expected = fixture.get(name + ".out", dtype);
            if (expected.dtype() == DType.I64) {
                assertArrayEquals(expected.toLongArray(), out.toLongArray(), name);
                return;
            }
            Fixture.assertClose(name + " output", expected, out, tol, tol);
            if (c.has("extra_outputs") || fixture.has(name + ".running_mean_out")) {
                checkRunningStats(c, name, xs, dtype, tol);
            }
            if (diff.isEmpty()) {
                return;
            }
            Tensor gout = fixture.get(name + ".gout", dtype);
            Tensor[] wrt = diff.stream().map(i -> xs[i]).toArray(Tensor[]::new);
            Tensor[] grads = Autograd.grad(new Tensor[] {apply(c, name, xs, dtype)}, wrt, new Tensor[] {gout}, true);
            boolean secondOrder = c.path("second_order").asBoolean(false);
            Tensor h = null;
            for (int k = 0; k < wrt.length; k++) {
                int i = diff.get(k);
                Fixture.assertClose(name + " gradient of input " + i, fixture.get(name + ".grad_in" + i, dtype), grads[k], tol, tol);
                if (secondOrder && grads[k].requiresGrad()) {
                    Tensor term = grads[k].mul(fixture.get(name + ".ggin" + i, dtype)).sum();
                    h = h == null ? term : h.add(term);
                }
            }
            if (!secondOrder) {
                return;
            }
            Tensor[] hvp = h == null ? null : Autograd.grad(new Tensor[] {h}, wrt, null, false);
            for (int k = 0; k < wrt.length; k++) {
                int i = diff.get(k);
                Tensor expect = fixture.get(name + ".hvp_in" + i, dtype);
                Tensor got = hvp == null ? Tensor.zerosLike(expect) : hvp[k];
                Fixture.assertClose(name + " Hessian-vector product of input " + i, expect, got, tol * 10, tol * 10);
            }
        }
    }

    /** Batch norm in training mode must update the running buffers like PyTorch (unbiased variance). */
    private static void checkRunningStats(JsonNode c, String name, Tensor[] xs, DType dtype, double tol) {
        // Copies: the update is in place and the fixture's tensors are shared by the float32 and float64 runs.
        Tensor rm = fixture.get(name + ".running_mean_in", dtype).copy();
        Tensor rv = fixture.get(name + ".running_var_in", dtype).copy();
        JsonNode p = c.get("params");
        Normalization.batchNorm(xs[0], xs[1], xs[2], rm, rv, true, p.get("momentum").asDouble(), p.get("eps").asDouble());
        Fixture.assertClose(name + " running_mean", fixture.get(name + ".running_mean_out", dtype), rm, tol, tol);
        Fixture.assertClose(name + " running_var", fixture.get(name + ".running_var_out", dtype), rv, tol, tol);
    }

    private static int[] ints(JsonNode n) {
        if (n == null || n.isNull()) {
            return new int[0];
        }
        if (n.isInt()) {
            return new int[] {n.asInt()};
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    /** Runs the case's op on {@code x} with the engine's API. */
    private static Tensor apply(JsonNode c, String name, Tensor[] x, DType dtype) {
        JsonNode p = c.path("params");
        return switch (c.get("op").asText()) {
            case "add" -> x[0].add(x[1]);
            case "sub" -> x[0].sub(x[1]);
            case "mul" -> x[0].mul(x[1]);
            case "div" -> x[0].div(x[1]);
            case "neg" -> x[0].neg();
            case "abs" -> x[0].abs();
            case "sign" -> Elementwise.sign(x[0]);
            case "exp" -> x[0].exp();
            case "log" -> x[0].log();
            case "sqrt" -> x[0].sqrt();
            case "pow_scalar" -> x[0].pow(p.get("exponent").asDouble());
            case "pow_tensor" -> Elementwise.pow(x[0], x[1]);
            case "clamp" -> Elementwise.clamp(x[0], p.get("min").asDouble(), p.get("max").asDouble());
            case "relu" -> x[0].relu();
            case "sigmoid" -> Elementwise.sigmoid(x[0]);
            case "tanh" -> Elementwise.tanh(x[0]);
            case "where" -> Elementwise.where(fixture.get(name + ".cond", dtype), x[0], x[1]);
            case "maximum" -> Elementwise.maximum(x[0], x[1]);
            case "sum" -> Reductions.sum(x[0], ints(p.get("dim")), p.path("keepdim").asBoolean());
            case "mean" -> Reductions.mean(x[0], ints(p.get("dim")), p.path("keepdim").asBoolean());
            case "max_dim", "amax" -> Reductions.amax(x[0], ints(p.get("dim")), p.path("keepdim").asBoolean());
            case "min_dim" -> Reductions.amin(x[0], ints(p.get("dim")), p.path("keepdim").asBoolean());
            case "argmax" -> Reductions.argmax(x[0], p.get("dim").asInt(), p.path("keepdim").asBoolean());
            case "norm" -> Reductions.norm(x[0]);
            case "sum_squares" -> x[0].mul(x[0]).sum();
            case "matmul" -> x[0].matmul(x[1]);
            case "linear" -> Linalg.linear(x[0], x[1], x.length > 2 ? x[2] : null);
            case "conv2d" -> Conv.conv2d(x[0], x[1], x.length > 2 ? x[2] : null, p.get("stride").asInt(), p.get("padding").asInt());
            case "max_pool2d" -> Pooling.maxPool2d(x[0], p.get("kernel_size").asInt(), p.get("stride").asInt(), p.get("padding").asInt());
            case "avg_pool2d" -> Pooling.avgPool2d(x[0], p.get("kernel_size").asInt(), p.get("stride").asInt(),
                    p.get("padding").asInt(), p.path("count_include_pad").asBoolean(true));
            case "adaptive_avg_pool2d" -> Pooling.adaptiveAvgPool2d(x[0], ints(p.get("output_size"))[0], ints(p.get("output_size"))[1]);
            case "batch_norm" -> Normalization.batchNorm(x[0], x[1], x[2],
                    p.get("training").asBoolean() ? null : fixture.get(name + ".running_mean_in", dtype),
                    p.get("training").asBoolean() ? null : fixture.get(name + ".running_var_in", dtype),
                    p.get("training").asBoolean(), p.get("momentum").asDouble(), p.get("eps").asDouble());
            case "log_softmax" -> Losses.logSoftmax(x[0], p.get("dim").asInt());
            case "softmax" -> Losses.softmax(x[0], p.get("dim").asInt());
            case "cross_entropy" -> Losses.crossEntropy(x[0], x[1],
                    "sum".equals(p.get("reduction").asText()) ? Losses.Reduction.SUM : Losses.Reduction.MEAN);
            case "cat" -> Shapes.cat(p.get("dim").asInt(), x);
            case "pad" -> Shapes.padLastDims(x[0], ints(p.get("pad")));
            case "permute" -> x[0].permute(ints(p.get("dims")));
            case "transpose" -> x[0].transpose(p.get("dim0").asInt(), p.get("dim1").asInt());
            case "reshape" -> x[0].reshape(ints(p.get("shape")));
            case "slice" -> Shapes.slice(x[0], p.get("dim").asInt(), p.get("start").asInt(), p.get("end").asInt());
            case "flatten" -> Shapes.flatten(x[0], p.get("start_dim").asInt());
            default -> throw new AssertionError("fixture case " + name + " uses op '" + c.get("op").asText()
                    + "' that this test does not map; add it");
        };
    }
}
