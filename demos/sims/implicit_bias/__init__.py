"""Implicit bias: GD on the logistic loss over separable data turns toward the max-margin direction.

Soudry et al. (JMLR 2018): from any start, with a small enough step, ||w(t)|| grows like log t and
w(t)/||w(t)|| converges to the L2 max-margin separator, the angle falling only like 1/log t.
The classifier is linear without intercept, sign(w . x), so the separator passes through 0.
"""

from demos.sims.base import Demo
from demos.sims.implicit_bias.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="implicit-bias",
    title=N_("Implicit bias toward the max margin"),
    summary=N_("GD on the logistic loss turns toward the max-margin separator, slowly."),
    params=Params,
    package=__name__,
)
