/**
 * Reading and writing the <a href="https://github.com/huggingface/safetensors">safetensors</a> format,
 * which nnpan uses for weights, masks, scores, fixtures and checkpoints.
 *
 * <p>A file is an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON mapping
 * tensor names to {@code {"dtype", "shape", "data_offsets"}} (plus an optional {@code "__metadata__"}
 * object of strings), then the tensor data: little-endian, row-major, tightly packed, with the offsets
 * tiling the data buffer exactly. Files written here are read by PyTorch's {@code safetensors} package
 * and vice versa.
 *
 * <p>{@link org.nnpan.io.safetensors.SafeTensorsFile#read} memory-maps a file; a malformed one is
 * reported by a {@link org.nnpan.io.safetensors.SafeTensorsFormatException} naming the file and the
 * problem. {@link org.nnpan.io.safetensors.SafeTensorsFile#write} writes atomically.
 */
package org.nnpan.io.safetensors;
