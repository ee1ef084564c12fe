"""Margins of homogeneous networks: GD on a ReLU net without biases keeps raising its margin.

Lyu & Li (ICLR 2020): for a network that is L-homogeneous in its parameters, f(c theta) =
c^L f(theta), trained by GD on the logistic loss, once the training loss is small enough that
every point is classified correctly (summed loss < log 2), the normalized margin
min_i y_i f(theta; x_i) / ||theta||^L increases and the direction of theta converges to a KKT
point of the max-margin problem. Here f(theta; x) = sum_j a_j relu(w_j . x) on 2-D points, so
L = 2; without biases f is also positively homogeneous in x, so the classes are angular sectors.
"""

from demos.sims.base import Demo
from demos.sims.homogeneous_margin.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="homogeneous-margin",
    title=N_("Margins of homogeneous networks"),
    summary=N_("A ReLU network without biases keeps raising its normalized margin once it fits."),
    params=Params,
    package=__name__,
)
