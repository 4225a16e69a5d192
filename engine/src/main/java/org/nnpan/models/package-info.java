/**
 * The model zoo ({@link org.nnpan.models.ModelZoo}): LeNet-300-100, LeNet-5-Caffe, VGG-11/13/16/19 with batch norm,
 * CIFAR ResNet-20/32/56 and ResNet-18, named and ordered exactly like their PyTorch reference definitions.
 */
package org.nnpan.models;
