package org.nnpan.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} on a command: {@link Main} reads the file before parsing ({@link ConfigFile}); this mixin
 * declares the option and its help.
 */
final class ConfigFileOption {
    @Option(names = ConfigFile.OPTION, paramLabel = "FILE",
            description = "Read options from a JSON or YAML file: keys are the long option names without dashes"
                    + " (kebab-case or snake_case), lists for list options; flags on the command line win.")
    private Path file;
}
