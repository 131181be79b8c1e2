using Lakekeeper.Abstractions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Hosting;

public static class HostCommands
{
    /// <summary>
    /// <c>serve</c> (the default) runs the host; any other first argument names a registered
    /// <see cref="IHostCommand"/>. Configuration and start-up errors print one clear message and
    /// return a non-zero exit code instead of a stack trace.
    /// </summary>
    public static async Task<int> RunCommandAsync(this WebApplication app, string[] args)
    {
        var name = args.FirstOrDefault(a => !a.StartsWith('-')) ?? "serve";
        var commands = app.Services.GetServices<IHostCommand>().ToList();
        try
        {
            switch (name)
            {
                case "serve":
                    ValidateSettings(app);
                    await app.RunAsync();
                    return 0;
                case "help" or "--help":
                    PrintHelp(commands);
                    return 0;
                default:
                    var command = commands.FirstOrDefault(c => c.Name == name);
                    if (command is null)
                    {
                        await Console.Error.WriteLineAsync($"Unknown command '{name}'.");
                        PrintHelp(commands);
                        return 64;
                    }

                    if (command.UsesServiceSettings)
                    {
                        ValidateSettings(app);
                    }

                    var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
                    return await command.RunAsync(app.Services, lifetime.ApplicationStopping);
            }
        }
        catch (Exception ex) when (ValidationFailures(ex) is { Count: > 0 } failures)
        {
            await Console.Error.WriteLineAsync("Configuration error:");
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync("  " + failure);
            }

            return 78;
        }
        catch (FatalStartupException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 75;
        }
    }

    /// <summary>
    /// Every setting is checked before anything starts, so that a bad one is reported (all of them at
    /// once) without the host's own failure log and stack trace.
    /// </summary>
    private static void ValidateSettings(WebApplication app) => app.Services.GetService<IStartupValidator>()?.Validate();

    /// <summary>The settings problems in an options failure (one, or several aggregated); empty otherwise.</summary>
    private static List<string> ValidationFailures(Exception exception) => exception switch
    {
        OptionsValidationException single => [.. single.Failures],
        AggregateException many when many.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. many.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)],
        _ => [],
    };

    private static void PrintHelp(IEnumerable<IHostCommand> commands)
    {
        Console.WriteLine("Commands:");
        Console.WriteLine("  serve      run the service (default)");
        foreach (var command in commands)
        {
            Console.WriteLine($"  {command.Name,-10} {command.Description}");
        }
    }
}
