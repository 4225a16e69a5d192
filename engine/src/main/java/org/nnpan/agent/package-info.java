/**
 * Reinforcement learning with continuous actions on nnpan's own autograd: the TD3 agent of Neural Network Panning
 * (method document §4) and its DDPG variant.
 *
 * <p>{@link org.nnpan.agent.Td3Agent} holds the actor ({@link org.nnpan.agent.Policy}), the critics, their target
 * copies, the Adam optimizers and the {@link org.nnpan.agent.ReplayBuffer}; {@link org.nnpan.agent.AgentTrainer}
 * runs it against an {@link org.nnpan.agent.Environment} with warm-up, exploration, evaluation episodes, metrics,
 * checkpoints and resume. Nothing here knows about pruning: the panning environment plugs in through
 * {@link org.nnpan.agent.Environment}.
 */
package org.nnpan.agent;
