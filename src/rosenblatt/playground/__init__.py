"""``rosenblatt playground``: the KIT deck's "LET'S TRY IT!" in the browser, on the engine.

What TensorFlow Playground shows -- data sets, input features, hidden layers and their
neurons, activation, learning rate, regularization, the output's heatmap, every neuron's
picture, the weights, the loss curves, the setup in the URL -- with the training done by
rosenblatt itself (``nn.Sequential`` of ``nn.Linear`` and activations, its losses and
optimizers, ``rb.fit``), plus what TF Playground's users ask for: their own CSV data,
several classes (softmax + cross-entropy; sigmoid + BCE for two), the optimizer and the
initialisation, an activation per layer, dropout, batch norm, and the network as a model
file (``rb.load``) or as the recipe ``rosenblatt train`` runs to the same weights.

    rosenblatt playground [--port 8765] [--host 127.0.0.1] [--no-browser]

- :mod:`.datasets`: the six generated 2-D problems and the seven input features;
- :mod:`.config`: the page's settings, their ranges and defaults, checked;
- :mod:`.session`: one tab's data, network and training, built from a recipe;
- :mod:`.server`: the local web server (standard library) and its JSON endpoints;
- ``static/``: the page (HTML, CSS, JavaScript; no CDN, works offline).
"""

from .config import ConfigError, check_config
from .server import PlaygroundServer, make_server, run_server, serve
from .session import Session

__all__ = [
    "ConfigError",
    "PlaygroundServer",
    "Session",
    "check_config",
    "make_server",
    "run_server",
    "serve",
]
