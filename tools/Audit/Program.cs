using Monitoring.AuditTool;

return await AuditCli.RunAsync(args, Console.Out, Console.Error);
