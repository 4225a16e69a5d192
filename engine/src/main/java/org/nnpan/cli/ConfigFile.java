package org.nnpan.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options of a {@code --config FILE} (JSON, or YAML for {@code .yaml}/{@code .yml}), supplied to picocli as
 * default values: an option given on the command line wins over the file, the file over the built-in default.
 * Keys are long option names without the dashes, in kebab-case or snake_case; values are scalars, or lists for
 * options that take a comma-separated list.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {
    /** The option that names the file. */
    static final String OPTION = "--config";

    private static final Set<String> NOT_CONFIGURABLE = Set.of(OPTION, "--help", "--version");

    private final Path file;
    /** Option name with its dashes, e.g. {@code --batch-size}, to the value as on a command line. */
    private final Map<String, String> values;

    private ConfigFile(Path file, Map<String, String> values) {
        this.file = file;
        this.values = values;
    }

    /**
     * The config file that {@code args} name for their subcommand of {@code cli}, checked against that command's
     * options, or null if they name none.
     *
     * @throws IllegalArgumentException naming the file and the key, with the valid keys, for an unknown key; or
     *                                  naming the file if it cannot be read or parsed
     */
    static ConfigFile fromArgs(CommandLine cli, String... args) {
        Path file = null;
        CommandLine command = null;
        for (int i = 0; i < args.length; i++) {
            if (command == null && cli.getSubcommands().containsKey(args[i])) {
                command = cli.getSubcommands().get(args[i]);
            } else if (args[i].equals(OPTION) && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (args[i].startsWith(OPTION + "=")) {
                file = Path.of(args[i].substring(OPTION.length() + 1));
            }
        }
        if (file == null || command == null || command.getCommandSpec().findOption(OPTION) == null) {
            return null; // picocli reports a misplaced --config as an unknown option
        }
        return read(file, command.getCommandSpec());
    }

    private static ConfigFile read(Path file, CommandSpec command) {
        JsonNode root;
        try {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml")
                    ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
            root = mapper.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(OPTION + " " + file + ": not valid JSON or YAML: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(OPTION + " " + file + ": cannot read it: " + e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(OPTION + " " + file + ": expected a mapping of option names to values");
        }
        Set<String> valid = new TreeSet<>();
        command.options().forEach(o -> {
            if (!NOT_CONFIGURABLE.contains(o.longestName())) {
                valid.add(o.longestName().substring(2));
            }
        });
        Map<String, String> values = new LinkedHashMap<>();
        root.properties().forEach(e -> {
            String key = e.getKey().replace('_', '-');
            if (!valid.contains(key)) {
                throw new IllegalArgumentException(OPTION + " " + file + ": unknown key '" + e.getKey() + "' for '"
                        + command.name() + "'; valid keys: " + String.join(", ", valid));
            }
            values.put("--" + key, text(file, e.getKey(), e.getValue()));
        });
        return new ConfigFile(file, values);
    }

    private static String text(Path file, String key, JsonNode value) {
        if (value.isValueNode() && !value.isNull()) {
            return value.asText();
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(text(file, key, v)));
            return String.join(",", items);
        }
        throw new IllegalArgumentException(OPTION + " " + file + ": key '" + key + "' needs a value or a list, got "
                + value);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
    }

    /**
     * {@code e}'s message, naming this file and the key if the bad value came from it (and not from the command
     * line, which wins).
     */
    String explain(CommandLine.ParameterException e, String... args) {
        if (e.getArgSpec() instanceof OptionSpec o && values.containsKey(o.longestName())
                && List.of(args).stream().noneMatch(a -> List.of(o.names()).contains(a.split("=", 2)[0]))) {
            return OPTION + " " + file + ": key '" + o.longestName().substring(2) + "': " + e.getMessage();
        }
        return e.getMessage();
    }

    /** The file. */
    Path file() {
        return file;
    }
}
