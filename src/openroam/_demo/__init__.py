"""``openroam demo``: a CPO node with simulated charge points and an eMSP node on loopback,
and a scripted story between them (:mod:`openroam._demo.story`)."""
