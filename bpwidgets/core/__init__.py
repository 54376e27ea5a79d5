"""The numpy backprop core: plain data in, plain data out; numpy and the standard library only.

Names are resolved lazily from the table below, so ``from bpwidgets.core import Value`` loads
just the module that defines ``Value``.
"""

from __future__ import annotations

from bpwidgets.core.lazy_exports import lazy_exports

# Public name -> defining module (relative to this package). One row per public name.
_EXPORTS = {
    "Value": "value",
    "ChainRuleStep": "value",
    "graph_layout": "graph",
    "numerical_grad": "gradcheck",
    "relative_error": "gradcheck",
    "gradcheck_report": "gradcheck",
    "GradcheckReport": "gradcheck",
    "display_names": "value",
    "GraphLayout": "graph",
    "build_expression": "expression",
    "expression_inputs": "expression",
    "cs231n_circuit": "worked_examples",
    "cs231n_neuron": "worked_examples",
    "mazur_value_graph": "worked_examples",
    "ACTIVATIONS": "activations",
    "Activation": "activations",
    "activation": "activations",
    "clear_caches": "caching",
    "LOSSES": "losses",
    "loss_function": "losses",
    "INITS": "init",
    "init_weights": "init",
    "weight_variance": "init",
    "MLP": "mlp",
    "Gradients": "mlp",
    "mazur_network": "worked_examples",
    "SGD": "optim",
    "Adam": "optim",
    "make_optimizer": "optim",
    "OPTIMIZERS": "optim",
    "History": "train",
    "DATASETS": "datasets",
    "make_dataset": "datasets",
    "train_test_split": "datasets",
    "moons": "datasets",
    "circles": "datasets",
    "spiral": "datasets",
    "xor": "datasets",
    "blobs": "datasets",
    "sine": "datasets",
    "GradientFlow": "gradflow",
    "gradient_flow": "gradflow",
    "gradient_flow_during_training": "gradflow",
    "flow_statistics": "gradflow",
    "build_deep_network": "gradflow",
    "saturated_fraction": "gradflow",
    "initial_layers": "gradflow",
    "Surface": "surface",
    "LossLine": "surface",
    "loss_surface": "surface",
    "loss_line": "surface",
    "filter_normalized_direction": "surface",
    "pca_directions": "surface",
    "Quadratic": "toy_surfaces",
    "Rosenbrock": "toy_surfaces",
    "Saddle": "toy_surfaces",
    "LinearRegression": "toy_surfaces",
    "descent_path": "toy_surfaces",
    "divergence_step": "toy_surfaces",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
