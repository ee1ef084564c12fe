"""GD versus SGD: smaller batches end in flatter places than full-batch GD, at the same step size.

Full-batch GD's sharpness climbs to 2/eta and hovers there (the edge of stability); SGD's noise
keeps it from settling in regions that sharp, and the smaller the batch, the flatter the end
point (Keskar et al. 2017; Jastrzebski et al. 2020; Cohen et al. 2021). The same MLP on the same
digits as the edge-of-stability demo is trained for the same number of epochs with each batch
size; the sharpness is the top eigenvalue of the full training loss's Hessian at the end.
"""

from demos.sims.base import Demo
from demos.sims.gd_vs_sgd.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="gd-vs-sgd",
    title=N_("GD versus SGD: sharpness at the end"),
    summary=N_("Same network, same epochs: the smaller the batch, the flatter the end point."),
    params=Params,
    package=__name__,
)
