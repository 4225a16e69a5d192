package org.nnpan.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.cli.Main;
import picocli.CommandLine;

/**
 * Runs every {@code java -jar engine/target/nnpan-engine.jar ...} command of README.md, in order, in a scratch
 * directory, so that a documented command cannot rot (a command that silently does nothing is the worst bug).
 * Commands are shortened where the command has the option: one epoch on a few hundred images, a few pruning steps,
 * one seed, one timed call, two agent steps. A file the README shows with {@code $ cat FILE} is written before the commands after it.
 * Resumed runs ({@code --resume}) keep their flags, since a resumed run must not change its settings.
 */
class ReadmeCommandsTest {
    private static final String JAR = "java -jar engine/target/nnpan-engine.jar";
    private static final Set<String> PATH_OPTIONS = Set.of("--out", "--masks", "--run", "--config", "--json",
            "--weights", "--policy");
    private static final Set<String> MULTI_STEP_METHODS = Set.of("synflow", "iter-snip", "force", "panning",
            "rl-panning");
    /** Option → value that replaces or is added to every command that has the option. */
    private static final Map<String, String> SHORTER = new LinkedHashMap<>();

    static {
        List<String> pairs = List.of("--epochs", "1", "--limit-train", "512", "--limit-test", "256", "--seeds", "1",
                "--calls", "1", "--warmup", "0");
        for (int i = 0; i < pairs.size(); i += 2) {
            SHORTER.put(pairs.get(i), pairs.get(i + 1));
        }
    }

    @TempDir
    static Path work;

    /** A step of the README: write a file it shows, or run a command. */
    private record Step(String file, List<String> content, List<String> command) {
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentedCommandRuns() throws IOException {
        List<Step> steps = steps(Files.readAllLines(readme()));
        assertTrue(steps.stream().filter(s -> s.command() != null).count() >= 5, "README commands not found");
        return steps.stream().map(s -> s.command() == null
                ? DynamicTest.dynamicTest("write " + s.file(), () -> Files.write(work.resolve(s.file()), s.content()))
                : DynamicTest.dynamicTest(String.join(" ", s.command()), () -> {
                    String[] args = shortened(s.command());
                    assertEquals(0, Main.run(args), "exit code of: " + String.join(" ", args));
                }));
    }

    @Test
    void shorteningOnlyAddsOptionsTheCommandHasAndLeavesResumedRunsAlone() {
        assertEquals(List.of("train", "--model", "lenet5", "--epochs", "1", "--out", work.resolve("runs/x").toString(),
                "--limit-train", "512", "--limit-test", "256"),
                List.of(shortened(List.of("train", "--model", "lenet5", "--epochs", "10", "--out", "runs/x"))));
        assertEquals(List.of("train", "--out", work.resolve("runs/x").toString(), "--resume"),
                List.of(shortened(List.of("train", "--out", "runs/x", "--resume"))));
        List<String> prune = List.of(shortened(List.of("prune", "--model", "lenet5", "--method", "panning",
                "--sparsity", "0.98", "--out", "p")));
        assertTrue(prune.containsAll(List.of("--iterations", "3")) && !prune.contains("--epochs"), prune.toString());
        assertFalse(List.of(shortened(List.of("prune", "--method", "snip", "--out", "p"))).contains("--iterations"));
        List<String> sweep = List.of(shortened(List.of("compare", "--methods", "snip,panning+shuffle,rl-panning",
                "--agent-steps", "2000", "--sparsities", "0.9", "--out", "c")));
        assertTrue(sweep.containsAll(List.of("--iterations", "3")) && sweep.containsAll(List.of("--agent-steps", "2")),
                sweep.toString());
    }

    /** README.md at the repository root (the tests run in the tests module's folder). */
    private static Path readme() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("engine"))) {
                return p.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }

    /** The commands and shown files of the fenced code blocks, in order. */
    private static List<Step> steps(List<String> lines) {
        List<Step> steps = new ArrayList<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                continue;
            }
            String text = line.startsWith("$ ") ? line.substring(2) : line;
            if (line.startsWith("$ cat ") && text.split("\\s+").length == 2) {
                List<String> content = new ArrayList<>();
                while (i + 1 < lines.size() && !lines.get(i + 1).startsWith("$ ") && !lines.get(i + 1).startsWith("```")) {
                    content.add(lines.get(++i));
                }
                steps.add(new Step(text.split("\\s+")[1], content, null));
            } else if (text.startsWith(JAR + " ")) {
                int comment = text.indexOf(" #");
                String command = (comment < 0 ? text : text.substring(0, comment)).substring(JAR.length()).trim();
                steps.add(new Step(null, null, List.of(command.split("\\s+"))));
            }
        }
        return steps;
    }

    /** The command with paths in the scratch directory and the {@link #SHORTER} options where it has them. */
    private static String[] shortened(List<String> command) {
        List<String> args = new ArrayList<>(command);
        for (int i = 1; i < args.size(); i++) {
            if (PATH_OPTIONS.contains(args.get(i - 1)) && !Path.of(args.get(i)).isAbsolute()) {
                args.set(i, work.resolve(args.get(i)).toString());
            }
        }
        if (args.contains("--resume")) {
            return args.toArray(String[]::new);
        }
        CommandLine.Model.CommandSpec spec = new CommandLine(new Main()).getSubcommands().get(args.get(0))
                .getCommandSpec();
        SHORTER.forEach((option, value) -> set(args, spec, option, value));
        // One method (prune, run) or a sweep's list (compare), without the +shuffle suffix.
        String given = valueOf(args, args.contains("--methods") ? "--methods" : "--method");
        List<String> methods = given == null ? List.of()
                : Arrays.stream(given.split(",")).map(m -> m.replace("+shuffle", "")).toList();
        if (methods.stream().anyMatch(MULTI_STEP_METHODS::contains)) {
            set(args, spec, "--iterations", "3");
        }
        if (methods.contains("rl-panning")) {
            set(args, spec, "--agent-steps", "2");
        }
        return args.toArray(String[]::new);
    }

    private static void set(List<String> args, CommandLine.Model.CommandSpec spec, String option, String value) {
        if (spec.findOption(option) == null) {
            return;
        }
        int at = args.indexOf(option);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.addAll(Arrays.asList(option, value));
        }
    }

    private static String valueOf(List<String> args, String option) {
        int at = args.indexOf(option);
        return at >= 0 && at + 1 < args.size() ? args.get(at + 1) : null;
    }
}
