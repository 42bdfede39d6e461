"""Topic stage: corpus streaming, the gensim estimator (training), inference and views."""
