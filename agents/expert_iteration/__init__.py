"""Expert iteration (AlphaZero-style): self-play with batched search, replay, learner, training loop."""
