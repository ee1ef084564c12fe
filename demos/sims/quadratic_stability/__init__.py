"""The stability threshold itself: GD on L(x) = (lambda_1 x_1^2 + lambda_2 x_2^2) / 2.

Each coordinate evolves as x_i(t) = (1 - eta lambda_i)^t x_i(0): GD converges iff
eta < 2 / lambda_max, oscillates when 1/lambda_i < eta, and diverges beyond 2 / lambda_max.
"""

from demos.sims.base import Demo
from demos.sims.quadratic_stability.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="quadratic-stability",
    title=N_("Gradient descent on a quadratic: the threshold 2/λ"),
    summary=N_(
        "GD on a quadratic converges exactly when the step size is below 2/λ,"
        " λ its largest curvature."
    ),
    params=Params,
    package=__name__,
)
