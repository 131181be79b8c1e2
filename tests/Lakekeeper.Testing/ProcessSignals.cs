using System.Diagnostics;
using System.Globalization;

namespace Lakekeeper.Testing;

/// <summary>Sends a POSIX signal (<c>TERM</c>, <c>STOP</c>, <c>CONT</c>, …) to a process with <c>kill</c>.</summary>
public static class ProcessSignals
{
    public static async Task SendAsync(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, processId.ToString(CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {processId} failed with exit code {kill.ExitCode}");
        }
    }
}
