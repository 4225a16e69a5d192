package org.nnpan.pruning;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.nnpan.autograd.Autograd;
import org.nnpan.autograd.Node;
import org.nnpan.nn.Module;
import org.nnpan.ops.Fusion;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * How a masked network θ₀⊙m looks before its first training step, on one batch: the numbers that tell a sub-network
 * that cannot train (accuracy stuck at chance) from a healthy one. Per prunable layer, the units (output channels
 * or neurons) left without any kept incoming weight and the gradient norm of the loss; per ReLU, in forward order,
 * the spread of its input (the pre-activation) and the units that never fire on the batch; and the spread of the
 * logits.
 *
 * <p>The forward pass runs in training mode (BatchNorm on batch statistics, running statistics restored), the loss is
 * CrossEntropy(f(x), y) averaged over the batch, and gradients count kept weights only, as {@link LossProbe} does at
 * temperature 1. ReLUs are found in the recorded graph, so every model is covered whether it uses {@code ReLU}
 * modules or {@code Tensor.relu()}.
 *
 * @param layers      one entry per prunable weight, in model order
 * @param activations one entry per ReLU, in forward order
 * @param logitStd    standard deviation of all logits on the batch
 * @param loss        the cross-entropy loss on the batch
 */
public record InitDiagnostics(List<Layer> layers, List<Activation> activations, double logitStd, double loss) {
    public InitDiagnostics {
        layers = List.copyOf(layers);
        activations = List.copyOf(activations);
    }

    /**
     * One prunable layer.
     *
     * @param name           parameter name
     * @param units          output channels or neurons (the weight's first dimension)
     * @param unitsCut       units whose incoming weights are all pruned
     * @param gradientNorm   ‖∂loss/∂w‖ over the kept weights, at θ₀⊙m
     */
    public record Layer(String name, int units, int unitsCut, double gradientNorm) {
        /** Fraction of units with no kept incoming weight. */
        public double cutFraction() {
            return (double) unitsCut / units;
        }
    }

    /**
     * One ReLU.
     *
     * @param units            channels (or features) of its input
     * @param preActivationStd standard deviation of its input over the batch, all units and positions
     * @param deadUnits        units whose input is ≤ 0 for every example and position of the batch
     */
    public record Activation(int units, double preActivationStd, int deadUnits) {
        /** Fraction of units that never fire on the batch. */
        public double deadFraction() {
            return (double) deadUnits / units;
        }
    }

    /**
     * Diagnoses θ₀⊙{@code mask} on {@code batch}; {@code net} holds θ₀ and is left as it was.
     *
     * @throws IllegalArgumentException if the mask does not fit the network
     */
    public static InitDiagnostics of(Module net, Mask mask, ScoringBatch batch) {
        Module masked = new WorkingCopy(DType.F32).masked(net, mask, false);
        try (MemoryScope _ = MemoryScope.open("init-diagnostics"); ScoringScope _ = ScoringScope.of(masked)) {
            Tensor logits;
            try (Fusion.Scope _ = Fusion.off()) { // the ReLUs' inputs must exist to be measured
                logits = Scoring.logits(masked, batch);
            }
            Tensor loss = Scoring.loss(logits, batch, 1);
            List<Activation> activations = reluInputs(logits).stream().map(InitDiagnostics::activation).toList();
            Tensor[] grads = Autograd.grad(new Tensor[] {loss}, Scoring.prunableValues(masked), null, false);
            List<Layer> layers = new ArrayList<>();
            int i = 0;
            for (String name : masked.prunableParameters().keySet()) {
                Tensor m = mask.get(name);
                Tensor g = grads[i++].detach().to(DType.F64).mul(m.to(DType.F64));
                layers.add(new Layer(name, m.size(0), cutUnits(m), Math.sqrt(g.mul(g).sum().item())));
            }
            return new InitDiagnostics(layers, activations, std(logits.detach().toDoubleArray()), loss.item());
        }
    }

    /** Rows of a mask [out, ...] that hold no 1. */
    private static int cutUnits(Tensor mask) {
        float[] m = mask.toFloatArray();
        int units = mask.size(0);
        int perUnit = m.length / units;
        int cut = 0;
        for (int u = 0; u < units; u++) {
            boolean any = false;
            for (int j = u * perUnit; j < (u + 1) * perUnit && !any; j++) {
                any = m[j] != 0;
            }
            cut += any ? 0 : 1;
        }
        return cut;
    }

    /** The inputs of every ReLU in the graph that produced {@code output}, in forward (topological) order. */
    private static List<Tensor> reluInputs(Tensor output) {
        List<Tensor> found = new ArrayList<>();
        collect(output, Collections.newSetFromMap(new IdentityHashMap<>()), found);
        return found;
    }

    /** Post-order walk: a node's inputs are listed before the node, which makes the order topological. */
    private static void collect(Tensor t, Set<Tensor> seen, List<Tensor> found) {
        Node node = t.gradFn();
        if (node == null || !seen.add(t)) {
            return;
        }
        for (Tensor in : node.inputs()) {
            if (in != null) {
                collect(in, seen, found);
            }
        }
        if (node.name().equals("relu")) {
            found.add(node.inputs()[0]);
        }
    }

    /** Statistics of a ReLU input [N, C, ...]: the unit is dimension 1. */
    private static Activation activation(Tensor x) {
        double[] v = x.detach().contiguous().toDoubleArray();
        int n = x.size(0);
        int units = x.size(1);
        int positions = v.length / (n * units);
        boolean[] fires = new boolean[units];
        for (int i = 0; i < v.length; i++) {
            if (v[i] > 0) {
                fires[(i / positions) % units] = true;
            }
        }
        int dead = 0;
        for (boolean f : fires) {
            dead += f ? 0 : 1;
        }
        return new Activation(units, std(v), dead);
    }

    private static double std(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return Math.sqrt(var / v.length);
    }

    /** The total fraction of ReLU units that never fire on the batch. */
    public double deadFraction() {
        int dead = activations.stream().mapToInt(Activation::deadUnits).sum();
        int units = activations.stream().mapToInt(Activation::units).sum();
        return units == 0 ? 0 : (double) dead / units;
    }

    /** The "At initialisation" section of a run report: Markdown without its heading. */
    public String markdownBody() {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "θ₀⊙m on one batch before training: loss %.4f, logit std %.3g, %.1f %% of ReLU units dead.%n%n",
                loss, logitStd, 100 * deadFraction()));
        md.append("| layer | units | units with no kept input (%) | gradient norm |\n|---|---:|---:|---:|\n");
        for (Layer l : layers) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.3g |%n", l.name(), l.units(),
                    100 * l.cutFraction(), l.gradientNorm()));
        }
        md.append("\n| ReLU | units | pre-activation std | dead units (%) |\n|---:|---:|---:|---:|\n");
        for (int i = 0; i < activations.size(); i++) {
            Activation a = activations.get(i);
            md.append(String.format(Locale.ROOT, "| %d | %d | %.3g | %.1f |%n", i + 1, a.units(),
                    a.preActivationStd(), 100 * a.deadFraction()));
        }
        return md.toString();
    }
}
