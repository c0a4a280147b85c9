"""Per-channel normalisation statistics of the supported datasets (images in [0, 1])."""

from __future__ import annotations

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
# Fashion-MNIST: computed once over its 60,000 training images (pixels / 255): mean 0.28604, std 0.35302,
# matching the published 0.2860 / 0.3530.
FASHION_MNIST_MEAN, FASHION_MNIST_STD = (0.2860,), (0.3530,)
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
CIFAR100_MEAN, CIFAR100_STD = (0.5071, 0.4866, 0.4409), (0.2673, 0.2564, 0.2762)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
