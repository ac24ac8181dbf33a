namespace CrmChat.CrmCore;

/// <summary>The chat platforms CrmChat connects to.</summary>
public enum Platform
{
    WeCom = 1,
    DingTalk = 2,
}
