package org.nnpan.optim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SequencedMap;
import org.nnpan.tensor.Tensor;

/**
 * Updates a fixed set of named parameters from the gradients that {@link Tensor#backward()} accumulated on them.
 *
 * <p>A training step is {@code zeroGrad(); loss.backward(); step();}. Parameters without a gradient are skipped, as
 * in PyTorch. Positions where a parameter's mask is 0 are never changed (see the {@linkplain org.nnpan.optim package
 * description}).
 */
public interface Optimizer {

    /** File name of the state tensors written by {@link #save}. */
    String TENSORS_FILE = "optimizer.safetensors";
    /** File name of the JSON sidecar written by {@link #save}: name, step count, learning rate, hyperparameters. */
    String SIDECAR_FILE = "optimizer.json";

    /** The optimizer's name as the CLI spells it: {@code sgd}, {@code adam}, {@code adamw}. */
    String name();

    /** Applies one update to every parameter that has a gradient; counts the step. */
    void step();

    /** Sets every accumulated gradient to zero in place, keeping its buffer for the next backward pass. */
    void zeroGrad();

    /** The learning rate the next {@link #step()} uses. */
    double learningRate();

    /**
     * Sets the learning rate of the next steps (schedules call this before each step).
     *
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    void setLearningRate(double lr);

    /** Number of {@link #step()} calls so far, including those before a {@link #load}. */
    long stepCount();

    /** The fixed hyperparameters (everything but the learning rate), by PyTorch's argument names. */
    SequencedMap<String, Object> hyperparameters();

    /**
     * The per-parameter state buffers under PyTorch's state names ({@code conv1.weight.momentum_buffer},
     * {@code fc.bias.exp_avg}, ...): live views, not copies.
     */
    SequencedMap<String, Tensor> state();

    /**
     * Writes {@link #state()} to {@code directory/}{@value #TENSORS_FILE} and the step count, learning rate and
     * hyperparameters to {@code directory/}{@value #SIDECAR_FILE}.
     */
    void save(Path directory) throws IOException;

    /**
     * Restores what {@link #save} wrote: state buffers, step count and learning rate.
     *
     * @throws IllegalArgumentException if the files belong to another optimizer, other hyperparameters or other
     *                                  parameters (names or shapes)
     */
    void load(Path directory) throws IOException;
}
