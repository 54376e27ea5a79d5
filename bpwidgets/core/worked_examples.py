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


# --- the same examples as Value graphs (for the chain-rule panel and lessons) -------------------
def cs231n_circuit():
    """CS231n's circuit f = (x + y)·z at x = -2, y = 5, z = -4 as a Value graph; returns f."""
    from bpwidgets.core.value import Value

    x, y, z = (Value(CS231N_CIRCUIT_INPUTS[name], name) for name in ("x", "y", "z"))
    q = _labelled(x + y, "q")
    return _labelled(q * z, "f")


def cs231n_neuron():
    """CS231n's neuron f = 1/(1 + exp(−(w0·x0 + w1·x1 + w2))) from primitive gates; returns f."""
    from bpwidgets.core.value import Value

    w0, x0, w1, x1, w2 = (Value(value, name) for name, value in CS231N_NEURON_INPUTS.items())
    dot = _labelled(_labelled(w0 * x0, "w0x0") + _labelled(w1 * x1, "w1x1"), "s") + w2
    negated = _labelled(_labelled(dot, "dot") * -1, "-dot")
    denominator = _labelled(_labelled(negated.exp(), "e") + 1, "1+e")
    return _labelled(denominator**-1, "f")  # CS231n's 1/x gate


def mazur_value_graph():
    """Mazur's 2-2-2 sigmoid network and its error E = Σ ½(target − out)² as Values; returns E."""
    from bpwidgets.core.value import Value

    i1, i2 = (Value(x, name) for x, name in zip(MAZUR_INPUTS, ("i1", "i2"), strict=True))
    w = {name: Value(value, name) for name, value in MAZUR_WEIGHTS.items()}

    def neuron(name, weight_a, a, weight_b, b, bias):
        products = _labelled(w[weight_a] * a, f"{weight_a}*{a.label}") \
            + _labelled(w[weight_b] * b, f"{weight_b}*{b.label}")
        net = _labelled(_labelled(products, f"sum_{name}") + w[bias], f"net_{name}")
        return _labelled(net.sigmoid(), f"out_{name}")

    out_h1 = neuron("h1", "w1", i1, "w2", i2, "b1")
    out_h2 = neuron("h2", "w3", i1, "w4", i2, "b1")
    out_o1 = neuron("o1", "w5", out_h1, "w6", out_h2, "b2")
    out_o2 = neuron("o2", "w7", out_h1, "w8", out_h2, "b2")
    errors = []
    for target, name, out in zip(MAZUR_TARGETS, ("o1", "o2"), (out_o1, out_o2), strict=True):
        difference = _labelled(Value(target, f"target_{name}") - out, f"diff_{name}")
        errors.append(_labelled(_labelled(difference**2, f"sq_{name}") * 0.5, f"E_{name}"))
    return _labelled(errors[0] + errors[1], "E")


def _labelled(value, label: str):
    value.label = label
    return value
