"""``rosenblatt.optim``: optimizers and learning-rate schedules, as in ``torch.optim``.

First-order optimizers update each parameter in place from its ``.grad`` at ``step()``:
:class:`SGD` (momentum, dampening, Nesterov, weight decay), :class:`Adagrad`,
:class:`Adadelta`, :class:`RMSprop`, :class:`Adam` and :class:`AdamW`, with PyTorch's
defaults and update rules. Second-order and evolutionary optimizers take a closure,
``step(closure)``: :class:`Newton` (exact Hessian), :class:`BFGS`, :class:`DFP`,
:class:`Broyden`, :class:`LBFGS` (PyTorch's semantics), :class:`ConjugateGradient` and
:class:`GeneticAlgorithm`. :class:`ASGD` averages SGD's iterates (torch.optim.ASGD);
:class:`PreviousGradientMomentum` is the Matteucci deck's momentum rule, beside SGD's.
``optim.lr_scheduler`` holds the learning-rate schedules.

>>> import rosenblatt as rb
>>> model = rb.nn.Linear(3, 1)
>>> opt = rb.optim.Adam(model.parameters(), lr=1e-3)
>>> loss = model(rb.ones((4, 3))).sum()
>>> opt.zero_grad()
>>> loss.backward()
>>> opt.step()
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .asgd import ASGD
from .bfgs import BFGS, DFP, Broyden
from .cg import ConjugateGradient, conjugate_gradient
from .genetic import GeneticAlgorithm
from .lbfgs import LBFGS
from .momentum_deck import PreviousGradientMomentum
from .newton import Newton
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

#: The first-order optimizers (each updates from ``.grad`` alone, ``step()`` without a
#: closure) by lower-case name: the MLP estimators' solvers and a recipe's optimizer names.
FIRST_ORDER: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls
    for cls in (Adadelta, Adagrad, Adam, AdamW, ASGD, PreviousGradientMomentum, RMSprop, SGD)
}

__all__ = [
    "FIRST_ORDER",
    "ASGD",
    "BFGS",
    "DFP",
    "Broyden",
    "ConjugateGradient",
    "PreviousGradientMomentum",
    "conjugate_gradient",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "GeneticAlgorithm",
    "Newton",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
