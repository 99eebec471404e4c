package dev.tpmdevid.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/tpm-devid}: the project's command-line tool. Subcommands are registered here; each
 * lives in its own class of this package.
 */
@Command(
    name = "tpm-devid",
    mixinStandardHelpOptions = true,
    versionProvider = TpmDevidCli.Version.class,
    description = "SPIRE tpm_devid node attestation in Java: demo and tools.",
    subcommands = {
      DemoCommand.class,
      AgentCommand.class,
      ServerCommand.class,
      InspectCommand.class,
      ConformanceCommand.class,
      ProvisionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TpmDevidCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Netty finds slf4j-api (from hcl4j) without a provider; keep SLF4J's notice off the console.
    System.setProperty("slf4j.internal.verbosity", "ERROR");
    System.exit(execute(args));
  }

  /** Runs the tool and returns its exit code (for tests). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new TpmDevidCli());
    cli.setParameterExceptionHandler(TpmDevidCli::usageError);
    return cli.execute(args);
  }

  /** A usage error is one line on stderr naming the command, not the whole usage text. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String name = cmd.getCommandSpec().qualifiedName();
    cmd.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
    cmd.getErr().flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The version from the jar manifest (set by the shade plugin), else "development". */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = TpmDevidCli.class.getPackage().getImplementationVersion();
      return new String[] {
        "tpm-devid "
            + (v == null ? "development build" : v)
            + " (SPIRE tpm_devid NodeAttestor, Java "
            + System.getProperty("java.version")
            + ")"
      };
    }
  }
}
