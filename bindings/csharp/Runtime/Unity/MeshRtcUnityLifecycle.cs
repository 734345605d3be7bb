// Unity-only glue (not part of the core MeshRtc assembly, which uses no
// Unity API). The native library can never be unloaded (it contains a Go
// runtime), so the Editor keeps it, and every native object, across play
// sessions and domain reloads unless meshrtc_shutdown releases them. This
// class calls it when play mode ends, before a domain reload and when the
// player quits, and checks the ABI when the game starts.
using System;
using UnityEngine;
#if UNITY_EDITOR
using UnityEditor;
#endif

namespace MeshRtc.Unity
{
    public static class MeshRtcUnityLifecycle
    {
        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        static void OnGameStart()
        {
            // Fails here, with a clear message, if the plugin is missing or
            // of another ABI version, rather than at the first connection.
            MeshRtcLibrary.EnsureLoaded();
            Application.quitting -= OnQuitting;
            Application.quitting += OnQuitting;
        }

        static void OnQuitting()
        {
            Shutdown("application quit");
        }

#if UNITY_EDITOR
        [InitializeOnLoadMethod]
        static void OnEditorLoad()
        {
            EditorApplication.playModeStateChanged -= OnPlayModeChanged;
            EditorApplication.playModeStateChanged += OnPlayModeChanged;
            AssemblyReloadEvents.beforeAssemblyReload -= OnBeforeAssemblyReload;
            AssemblyReloadEvents.beforeAssemblyReload += OnBeforeAssemblyReload;
        }

        static void OnPlayModeChanged(PlayModeStateChange change)
        {
            // EnteredEditMode comes after the scene's OnDisable/OnDestroy ran
            // (so their Dispose/Close calls still reach live objects); it
            // also comes when "Enter Play Mode Options" skip the reload.
            if (change == PlayModeStateChange.EnteredEditMode) Shutdown("play mode exit");
        }

        static void OnBeforeAssemblyReload()
        {
            // The managed wrappers are about to vanish with the domain; the
            // native objects would otherwise live on in the Editor process.
            Shutdown("domain reload");
        }
#endif

        /// <summary>
        /// Releases every native meshrtc object. Wrappers that still exist
        /// afterwards throw MeshRtcException (DoesNotExist) when used;
        /// disposing them is harmless.
        /// </summary>
        public static void Shutdown(string reason)
        {
            try
            {
                int leaked = MeshRtcLibrary.Shutdown();
                if (leaked > 0)
                    Debug.Log("meshrtc: " + reason + ": released " + leaked + " native object(s) the game did not dispose");
            }
            catch (DllNotFoundException)
            {
                // The plugin was never loadable on this platform; nothing to release.
            }
            catch (Exception e)
            {
                Debug.LogException(e);
            }
        }
    }
}
