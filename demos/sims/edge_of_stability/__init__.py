"""Edge of stability: full-batch GD on a small MLP over digits; sharpness rises to 2/step size.

Cohen et al. (ICLR 2021): sharpness (the top Hessian eigenvalue of the training loss) first
rises during training ("progressive sharpening") until it reaches 2/eta, then hovers there while
the loss keeps falling over long horizons but not monotonically.
"""

from demos.sims.base import Demo
from demos.sims.edge_of_stability.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="edge-of-stability",
    title=N_("The edge of stability"),
    summary=N_("Full-batch GD on a small network: sharpness rises to 2/η and hovers there."),
    params=Params,
    package=__name__,
)
