"""The tiny expert-iteration command line the run-folder and fault tests share."""

TINY_TRAIN = [
    *("train", "tic_tac_toe", "--network.blocks", "1", "--network.channels", "8"),
    *("--selfplay.batch-size", "16", "--selfplay.simulations", "8", "--selfplay.cheap-simulations", "2"),
    *("--learner.batch-size", "32", "--min-positions", "100", "--checkpoint-interval", "10"),
    *("--evaluation.interval", "-1", "--no-tensorboard"),
]
