global using System.Net.Http.Json;
global using System.Text.Json.Nodes;
