"""Feature averaging: GD on coarse labels learns averaged features, and they flip at √(d/k).

Li, Pan, Lyu & Li (ICLR 2025, arXiv 2410.10322), the speaker's own answer to the abstract's
question about implicit bias and adversarial examples. The data are k clusters with mutually
orthogonal centers μ_j of norm √d (here √d times the first k standard basis vectors), half of
them labelled +1 and half −1, each point a center plus a little Gaussian noise. A two-layer ReLU
network f(x) = Σ_r a_r relu(w_r · x) with m units per label and fixed output weights ±1/m,
trained by GD from a small initialization on the ±1 labels, learns *averaged* features: each
unit's weight is close to the sum of its label's centers (|cos| about 1/√(k/2) to each), not
to one of them. Then the perturbation along −y (Σ_{j∈+} μ_j − Σ_{j∈−} μ_j) flips a clean center
at radius √(d/k), although the two labels' centers are √(2d) apart and the nearest-center rule
keeps every label within √(d/2) of a center.

Trained on the k cluster labels instead (the same network with k outputs of m units each,
softmax cross-entropy), GD learns one center per unit, and the ±1 classifier it induces (+1 when
the top output is a cluster labelled +1) keeps its prediction to about √(d/2): finer supervision
buys robustness. The demo trains both on the same data, attacks both, and repeats the ±1-label
training at a few other k to draw the flip radius against the law √(d/k).
"""

from demos.sims.base import Demo
from demos.sims.feature_averaging.params import Params
from demos.sims.words import N_

demo = Demo(
    slug="feature-averaging",
    title=N_("Feature averaging: why GD's network flips at √(d/k)"),
    summary=N_(
        "Trained on ±1 labels, each neuron averages its class's centers and flips at √(d/k);"
        " trained on the clusters, it keeps its label to √(d/2)."
    ),
    params=Params,
    package=__name__,
)
