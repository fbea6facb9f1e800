global using Monitoring.TestSupport;
global using Xunit;
