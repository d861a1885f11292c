"""boardzoo.wrappers: standard-API adapters over the batched kernels (no rules here).

Importing this package registers the Gymnasium ids `boardzoo/TicTacToe-v0`,
`boardzoo/ConnectFour-v0` and `boardzoo/Hex-v0`.
"""
