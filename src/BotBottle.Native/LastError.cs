using System;

namespace BotBottle.Native;

/// <summary>The message of the calling thread's last failed call (bb_last_error).</summary>
internal static class LastError
{
    [ThreadStatic]
    private static string? s_message;

    public static string? Message => s_message;

    public static int Set(BbError error, string message)
    {
        s_message = message;
        return (int)error;
    }

    public static int Ok()
    {
        s_message = null;
        return (int)BbError.Ok;
    }
}
