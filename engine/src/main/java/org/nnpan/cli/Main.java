package org.nnpan.cli;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.nnpan.experiment.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code java -jar nnpan-engine.jar}. Exit codes: 0 success, 2 bad usage or configuration,
 * 1 runtime failure.
 */
@Command(name = "nnpan-engine",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Prune neural networks before training (Neural Network Panning, SNIP, GraSP, SynFlow, ...) "
                + "and train the sparse networks, on a Java tensor and autograd engine.",
        subcommands = {InfoCommand.class, TrainCommand.class, PruneCommand.class, RunCommand.class, CompareCommand.class,
            EvalCommand.class, DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'nnpan-engine help COMMAND' or 'nnpan-engine COMMAND --help' for a command's options."})
public final class Main implements Runnable {

    /** Exit code for bad usage or configuration. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a failure while running. */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the CLI and exits; restarts itself with the Vector API module first (see {@link VectorRelaunch}). */
    public static void main(String[] args) {
        Optional<List<String>> child = VectorRelaunch.command(args);
        if (child.isPresent()) {
            OptionalInt code = VectorRelaunch.run(child.get());
            if (code.isPresent()) {
                System.exit(code.getAsInt());
            }
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        ConfigFile config;
        try {
            config = ConfigFile.fromArgs(cli, args);
        } catch (IllegalArgumentException e) {
            cli.getErr().println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
        String fromFile = config == null ? "" : " (options from " + ConfigFile.OPTION + " " + config.file() + ")";
        cli.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException || e instanceof CommandLine.ParameterException
                ? EXIT_USAGE : EXIT_FAILURE);
        cli.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            // One clear line, not a stack trace: bad input is the common case and the message names the culprit.
            cmd.getErr().println("error: " + e.getMessage() + (e instanceof IllegalArgumentException ? fromFile : ""));
            if (Boolean.getBoolean("nnpan.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return cmd.getExitCodeExceptionMapper().getExitCode(e);
        });
        if (config != null) {
            cli.setDefaultValueProvider(config);
            // A bad value from the file names the file and the key, in one line.
            cli.setParameterExceptionHandler((e, a) -> {
                e.getCommandLine().getErr().println("error: " + config.explain(e, args));
                return EXIT_USAGE;
            });
        }
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command; try --help");
    }

    /** The project version, from a resource filtered at build time. */
    public static String version() {
        return BuildInfo.current().version();
    }

    /** Supplies {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nnpan-engine " + version() + " (commit " + BuildInfo.current().commit() + ")",
                "JDK " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
