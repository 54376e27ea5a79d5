"""Published worked examples that lessons, panels and tests share.

Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid network with
one training example, squared error E = Σ ½ (target − out)², learning rate 0.5.
Weights use the package's layout: ``weights[l]`` has shape (n_in, n_out), a layer computes h @ W + b.

CS231n (Stanford, "Backpropagation, Intuitions"): the (x + y)·z circuit and the 2-D sigmoid neuron.
"""

from __future__ import annotations

# --- Mazur's 2-2-2 network -------------------------------------------------------------
MAZUR_INPUTS = (0.05, 0.10)  # i1, i2
MAZUR_TARGETS = (0.01, 0.99)  # target o1, target o2
MAZUR_LEARNING_RATE = 0.5
# Named as in the article: h1 = w1·i1 + w2·i2 + b1, h2 = w3·i1 + w4·i2 + b1,
# o1 = w5·out_h1 + w6·out_h2 + b2, o2 = w7·out_h1 + w8·out_h2 + b2.
MAZUR_WEIGHTS = {
    "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
    "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55,
    "b1": 0.35, "b2": 0.60,
}

# --- CS231n ------------------------------------------------------------------------------
CS231N_CIRCUIT_INPUTS = {"x": -2.0, "y": 5.0, "z": -4.0}  # f = (x + y) * z
CS231N_NEURON_INPUTS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def mazur_network():
    """Mazur's 2-2-2 sigmoid network as ``(net, X, Y)``: an MLP, inputs (1, 2), targets (1, 2)."""
    import numpy as np

    from bpwidgets.core.mlp import MLP

    w = MAZUR_WEIGHTS
    # Column j of a weight matrix feeds unit j: h1 uses (w1, w2), h2 uses (w3, w4), etc.
    weights = [[[w["w1"], w["w3"]], [w["w2"], w["w4"]]], [[w["w5"], w["w7"]], [w["w6"], w["w8"]]]]
    biases = [[w["b1"], w["b1"]], [w["b2"], w["b2"]]]
    net = MLP.from_weights(weights, biases, activation="sigmoid", output_activation="sigmoid")
    return net, np.array([MAZUR_INPUTS]), np.array([MAZUR_TARGETS])
