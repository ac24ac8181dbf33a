using System.Runtime.CompilerServices;
using CrmChat.CrmCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CrmChat.Connectors.Infrastructure;

public static class ConnectorInfrastructureSetup
{
    /// <summary>
    /// What every platform client shares: the clock, jitter, and the token cache and target
    /// rate limiter, in Redis when <c>Redis:Configuration</c> is set (so instances share
    /// them) and in process otherwise. Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddConnectorInfrastructure(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRandomSource, SharedRandomSource>();
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            services.TryAddSingleton<IAccessTokenCache, InProcessAccessTokenCache>();
            services.TryAddSingleton<ITargetRateLimiter, InProcessTargetRateLimiter>();
            return builder;
        }
        AddRedis(services, redis);
        return builder;
    }

    /// <summary>
    /// Apart so that JIT-compiling <see cref="AddConnectorInfrastructure"/> does not load the
    /// Redis client into a host that has no Redis: its code and types cost idle memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddRedis(IServiceCollection services, RedisOptions redis)
    {
        services.TryAddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(redis.Configuration);
            // Keep starting (and retrying the connection) when Redis is briefly away.
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        services.TryAddSingleton(new RedisKeyspace(redis.KeyPrefix));
        services.TryAddSingleton<IAccessTokenCache, RedisAccessTokenCache>();
        services.TryAddSingleton<ITargetRateLimiter, RedisTargetRateLimiter>();
        services.AddHostedService<RedisConnectOnStart>();
    }

    /// <summary>
    /// Connects to Redis while the host starts. Left to the first request, the synchronous
    /// connect would run inside a DI singleton lock with every concurrent caller blocked on
    /// it, starving the thread pool for seconds.
    /// </summary>
    private sealed class RedisConnectOnStart(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<IConnectionMultiplexer>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
