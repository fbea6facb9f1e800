using Monitoring.Signer;

var app = SignerApp.Build(args);
await app.RunAsync();
