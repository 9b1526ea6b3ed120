using ClusterML.Cli;

return await ClusterMLApp.RunAsync(args, Console.Out, Console.Error);
