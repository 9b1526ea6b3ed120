using System.CommandLine;
using ClusterML.Core.Validation;
using Serilog;

namespace ClusterML.Cli.Hosting;

/// <summary>
/// Wraps every command's body: builds the logger from the global options, maps exceptions to exit codes
/// (<see cref="InvalidInputException"/> → 2; a store server that cannot be reached, cancellation and anything else → 1) and flushes the logs.
/// </summary>
internal sealed class CommandRunner(GlobalOptions globals, TextWriter output, TextWriter error)
{
    public void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));

    private async Task<int> RunAsync(ParseResult parse, Func<CommandContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var format = parse.GetValue(globals.LogFormat) ?? "text";
        var dataDir = parse.GetValue(globals.DataDir) ?? "clusterml-data";
        await using var log = Logging.Create(format, parse.GetValue(globals.Verbose), dataDir, error);
        var interactive = format == "text"
            && ReferenceEquals(error, Console.Error)
            && NativeErrorOutput.ErrorIsTerminal
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        var context = new CommandContext(parse, log, output, error, interactive, dataDir);
        var ownsProcessOutput = ReferenceEquals(error, Console.Error);
        if (ownsProcessOutput)
        {
            NativeErrorOutput.Logger = log;
        }
        try
        {
            return await body(context, cancellationToken);
        }
        catch (InvalidInputException bad)
        {
            log.Error("Bad input: {Problem}", bad.Message);
            return ExitCodes.BadInput;
        }
        catch (ClusterML.Storage.StoreUnavailableException down)
        {
            // A database server that is down is not a crash of this program: one line, no stack trace.
            log.Error("{Problem}", down.Message);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            log.Warning("Cancelled; nothing was written");
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            log.Fatal(ex, "{Command} failed: {Reason}", parse.CommandResult.Command.Name, ex.GetBaseException().Message);
            return ExitCodes.Failure;
        }
        finally
        {
            if (ownsProcessOutput)
            {
                NativeErrorOutput.Logger = null; // the logger is disposed next; native lines after this are copied through
            }
        }
    }
}
