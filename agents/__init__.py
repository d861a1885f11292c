"""boardzoo.agents: players, learners and the `boardzoo` command line."""
