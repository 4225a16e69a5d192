package org.nnpan.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of data sets by name: {@code fashion-mnist}, {@code mnist}, {@code cifar10}, {@code cifar100},
 * {@code tiny-imagenet} and {@code synthetic}. It knows each one's shape, normalisation constants, file names and default location, and
 * turns a missing data set into a {@link DatasetNotFoundException} that says how to fix it.
 *
 * <p>File names are those of the original distributions: the IDX files {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} (Debian's
 * {@code dataset-fashion-mnist} installs them gzipped in {@value #FASHION_MNIST_DIR}); CIFAR-10's
 * {@code data_batch_1.bin .. data_batch_5.bin} and {@code test_batch.bin}; CIFAR-100's {@code train.bin} and
 * {@code test.bin}. Every file may also be gzipped with a {@code .gz} suffix, and CIFAR files may sit in the
 * folder their archive extracts to ({@code cifar-10-batches-bin}, {@code cifar-100-binary}) under the given one.
 * Tiny-ImageNet is the folder {@code tiny-imagenet-200} extracts to (see {@link TinyImageNetReader}), or its parent;
 * its test split is the labelled {@code val/} folder.
 */
public final class Datasets {

    /** Where Debian's {@code dataset-fashion-mnist} package installs Fashion-MNIST. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
    /** Where MNIST is looked for by default (Debian has no MNIST package; put the IDX files there). */
    public static final String MNIST_DIR = "/usr/share/datasets/mnist";

    /**
     * A registered data set and how to find it.
     *
     * @param info       its description
     * @param archiveDir the folder its archive extracts to, also searched under the data directory, or null
     * @param fix        the end of a not-found message: how to get the files
     */
    private record Entry(DatasetInfo info, String archiveDir, String fix) {
    }

    private static final Map<String, Entry> REGISTRY = registry();

    private Datasets() {
    }

    private static Map<String, Entry> registry() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        add(entries, new Entry(new DatasetInfo("fashion-mnist", "Fashion-MNIST", 10, 1, 28, 28,
                Normalization.of(0.2860f, 0.3530f), Optional.of(Path.of(FASHION_MNIST_DIR))), null,
                "install it with `apt-get install dataset-fashion-mnist` or pass --data-dir DIR"));
        add(entries, new Entry(new DatasetInfo("mnist", "MNIST", 10, 1, 28, 28,
                Normalization.of(0.1307f, 0.3081f), Optional.of(Path.of(MNIST_DIR))), null,
                "put the four MNIST IDX files there or pass --data-dir DIR"));
        add(entries, new Entry(new DatasetInfo("cifar10", "CIFAR-10", 10, 3, 32, 32,
                Normalization.of(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f}),
                Optional.empty()), "cifar-10-batches-bin",
                "download the CIFAR-10 binary version, extract it and pass --data-dir DIR"));
        add(entries, new Entry(new DatasetInfo("cifar100", "CIFAR-100", 100, 3, 32, 32,
                Normalization.of(new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f}),
                Optional.empty()), "cifar-100-binary",
                "download the CIFAR-100 binary version, extract it and pass --data-dir DIR"));
        add(entries, new Entry(new DatasetInfo("tiny-imagenet", "Tiny-ImageNet", 200, 3, 64, 64,
                Normalization.of(new float[] {0.4802f, 0.4481f, 0.3975f}, new float[] {0.2302f, 0.2265f, 0.2262f}),
                Optional.empty()), "tiny-imagenet-200",
                "download http://cs231n.stanford.edu/tiny-imagenet-200.zip, unzip it and pass --data-dir DIR"
                        + " (the folder holding wnids.txt, train/ and val/, or its parent)"));
        SyntheticImages.Spec synthetic = SyntheticImages.Spec.DEFAULT;
        add(entries, new Entry(new DatasetInfo("synthetic", "synthetic", synthetic.numClasses(),
                synthetic.channels(), synthetic.height(), synthetic.width(), synthetic.normalization(),
                Optional.empty()), null, "it is generated, not loaded"));
        return Collections.unmodifiableMap(entries);
    }

    private static void add(Map<String, Entry> entries, Entry entry) {
        entries.put(entry.info().name(), entry);
    }

    /** The registered names, in a fixed order. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * The description of data set {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException if no data set has that name; the message lists the valid names
     */
    public static DatasetInfo info(String name) {
        return entry(name).info();
    }

    /**
     * Whether data set {@code name} is ready at its default location, in a few words for {@code info}: where it was
     * found, or how to get it.
     */
    public static String availability(String name) {
        Entry entry = entry(name);
        DatasetInfo info = entry.info();
        if (info.name().equals("synthetic")) {
            return "generated on demand";
        }
        if (info.defaultDataDir().isEmpty()) {
            return "no default location: " + entry.fix();
        }
        Path dir = info.defaultDataDir().get();
        try {
            load(name, null, false);
            return "found in " + dir;
        } catch (DatasetNotFoundException e) {
            return "not found in " + dir + ": " + entry.fix();
        } catch (IOException e) {
            return "unreadable in " + dir + ": " + e.getMessage();
        }
    }

    /**
     * Loads the training or test split of data set {@code name} (case-insensitive). The synthetic data set is
     * {@link SyntheticImages.Spec#DEFAULT} and ignores {@code dataDir}.
     *
     * @param dataDir the folder holding the files, or null for the data set's default location
     * @throws IllegalArgumentException  if no data set has that name
     * @throws DatasetNotFoundException  if its files are not there
     * @throws DatasetFormatException    if a file is malformed
     */
    public static ImageDataset load(String name, Path dataDir, boolean train) throws IOException {
        Entry entry = entry(name);
        DatasetInfo info = entry.info();
        String split = info.name() + (train ? "/train" : "/test");
        return switch (info.name()) {
            case "fashion-mnist", "mnist" -> {
                Path dir = dataDir(entry, dataDir);
                String prefix = train ? "train" : "t10k";
                Path images = locate(entry, dir, prefix + "-images-idx3-ubyte");
                Path labels = locate(entry, dir, prefix + "-labels-idx1-ubyte");
                yield IdxReader.read(split, images, labels, info.numClasses());
            }
            case "cifar10" -> {
                Path dir = dataDir(entry, dataDir);
                List<Path> files = new ArrayList<>();
                if (train) {
                    for (int b = 1; b <= 5; b++) {
                        files.add(locate(entry, dir, "data_batch_" + b + ".bin"));
                    }
                } else {
                    files.add(locate(entry, dir, "test_batch.bin"));
                }
                yield CifarReader.readCifar10(split, files);
            }
            case "cifar100" -> CifarReader.readCifar100(split,
                    locate(entry, dataDir(entry, dataDir), train ? "train.bin" : "test.bin"));
            case "tiny-imagenet" -> {
                Path root = locate(entry, dataDir(entry, dataDir), TinyImageNetReader.WNIDS_FILE).getParent();
                yield train ? TinyImageNetReader.readTrain(split, root) : TinyImageNetReader.readVal(split, root);
            }
            case "synthetic" -> SyntheticImages.generate(SyntheticImages.Spec.DEFAULT, train);
            default -> throw new IllegalStateException("registered data set without a loader: " + info.name());
        };
    }

    private static Entry entry(String name) {
        Entry entry = REGISTRY.get(name.toLowerCase(Locale.ROOT));
        if (entry == null) {
            throw new IllegalArgumentException("unknown dataset '" + name + "'; valid names: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return entry;
    }

    private static Path dataDir(Entry entry, Path given) throws DatasetNotFoundException {
        if (given != null) {
            return given;
        }
        return entry.info().defaultDataDir().orElseThrow(() -> new DatasetNotFoundException(
                entry.info().displayName() + " has no default location; " + entry.fix()));
    }

    /** The file {@code baseName}, plain or gzipped, in {@code dir} or in the archive folder under it. */
    private static Path locate(Entry entry, Path dir, String baseName) throws DatasetNotFoundException {
        Path found = DataFiles.findPlainOrGzipped(dir, baseName);
        if (found == null && entry.archiveDir() != null) {
            found = DataFiles.findPlainOrGzipped(dir.resolve(entry.archiveDir()), baseName);
        }
        if (found == null) {
            String where = entry.archiveDir() == null ? "" : " there or in " + entry.archiveDir() + "/";
            throw new DatasetNotFoundException(entry.info().displayName() + " not found in " + dir
                    + " (looked for " + baseName + "[.gz]" + where + "); " + entry.fix());
        }
        return found;
    }
}
