using Monitoring.Simulator.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await SimulatorApp.RunAsync(args, Console.Out, Console.Error, cancel.Token);
